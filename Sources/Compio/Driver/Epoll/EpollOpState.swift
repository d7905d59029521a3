/// Where one of the epoll driver's ops is: the driver's per-op data in its ``OpTable``.
enum EpollOpState {
    /// Waits in `fd`'s queue for `direction`; retried with its syscall when
    /// epoll reports it. `guarded`: see ``EpollRoute/readiness(fd:_:guarded:)``.
    case waiting(fd: Int32, EpollDirection, guarded: Bool)
    /// A `connect` that returned `EINPROGRESS`: waits in `fd`'s write queue;
    /// writability means the attempt ended, and `SO_ERROR` says how.
    case connecting(fd: Int32)
    /// A `pollOnce` waiting for its events on `fd`.
    case polling(fd: Int32, events: UInt32)
    /// Runs (or waits to run) on the thread pool.
    case pool(PoolTicket)
    /// The result is known and sits in the driver's ready queue until a poll hands it out.
    case finishing

    /// The descriptor whose interest holds the op, if it waits for readiness.
    var waitingDescriptor: Int32? {
        switch self {
        case .waiting(let fd, _, _), .connecting(let fd), .polling(let fd, _): fd
        case .pool, .finishing: nil
        }
    }
}

/// A result waiting in the epoll driver's ready queue for a poll to hand it out.
struct EpollFinished {
    let key: OpKey
    let result: Result<Int, IOError>
    let descriptor: OwnedDescriptor?
}
