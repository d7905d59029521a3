import CLinux
import Glibc

/// How the epoll driver runs one op.
///
/// Readiness only helps descriptors that can say "not yet" (`EAGAIN`) and that
/// epoll can watch: sockets, pipes, eventfds, ttys. Everything else blocks in
/// its syscall however it is asked, so it goes to the thread pool.
enum EpollRoute {
    /// Completes with `0` from the next poll (`nop`).
    case immediate
    /// Runs on the thread pool as a blocking syscall.
    case pool
    /// Tried at once; on `EAGAIN` waits in `fd`'s queue for `direction`.
    /// `guarded`: the descriptor is in blocking mode, so each attempt first asks
    /// `poll(2)` (zero timeout) whether it would block (see ``guardedAttemptWouldBlock(_:)``).
    case readiness(fd: Int32, EpollDirection, guarded: Bool)
    /// `connect`: tried at once; on `EINPROGRESS` waits for writability, then
    /// reads the socket's pending error.
    case connect(fd: Int32)
    /// `pollOnce`: waits for `events` without a syscall of its own.
    case poll(fd: Int32, events: UInt32)
    /// The descriptor could not be classified (`EBADF`, …): complete at once.
    case failed(IOError)

    /// The route of `op`. Switches over every op, without `default`, so a new op
    /// fails to compile here until someone decides where it runs.
    ///
    /// Only the generic `read`/`write` family, `accept` and `connect` cost a
    /// syscall or two to classify; the classification is not cached because
    /// descriptor numbers are reused the moment they are closed, possibly
    /// outside the driver. The `send`/`recv` family needs no classification:
    /// it only works on sockets, and `MSG_DONTWAIT` keeps the attempt from
    /// blocking even on a socket in blocking mode.
    static func of(_ op: Op) -> EpollRoute {
        switch op {
        case .nop:
            return .immediate
        case .read(let fd, _), .readVectored(let fd, _):
            return stream(fd, .read)
        case .write(let fd, _), .writeVectored(let fd, _):
            return stream(fd, .write)
        case .recv(let fd, _, _), .recvFrom(let fd, _, _, _), .recvMessage(let fd, _, _):
            return .readiness(fd: fd, .read, guarded: false)
        case .send(let fd, _, _), .sendTo(let fd, _, _, _), .sendMessage(let fd, _, _):
            return .readiness(fd: fd, .write, guarded: false)
        case .accept(let fd, _):
            return blocking(fd).map { $0 ? .readiness(fd: fd, .read, guarded: true) : .readiness(fd: fd, .read, guarded: false) }
        case .connect(let fd, _):
            // A blocking connect waits for the handshake inside the syscall.
            return blocking(fd).map { $0 ? .pool : .connect(fd: fd) }
        case .pollOnce(let fd, let events):
            return events == 0 ? .failed(.invalidArgument("pollOnce with no events")) : .poll(fd: fd, events: events)
        case .readAt, .writeAt, .readVectoredAt, .writeVectoredAt, .sync, .openAt, .close, .metadata,
            .metadataAt, .unlinkAt, .makeDirectoryAt, .renameAt, .symlinkAt, .linkAt, .truncate,
            .socket, .bind, .listen, .shutdown, .asyncify, .getSocketOption, .setSocketOption, .socketAddress:
            // Positioned I/O only exists on seekable files (`ESPIPE` otherwise);
            // the rest never return `EAGAIN` or may touch the file system.
            return .pool
        }
    }

    /// A plain `read`/`write`: regular files, directories and block devices
    /// always "ready" yet block on the disk, so they go to the pool. A pollable
    /// descriptor in blocking mode (a pipe from `pipe(2)`, a terminal) still
    /// waits for readiness when reading, with guarded attempts; a blocking
    /// write goes to the pool, because "writable" only promises room for some
    /// bytes and a blocking write of more waits for room for all of them.
    private static func stream(_ fd: Int32, _ direction: EpollDirection) -> EpollRoute {
        var info = stat()
        if fstat(fd, &info) != 0 { return .failed(.code(errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR, S_IFBLK:
            return .pool
        default:
            return blocking(fd).map { isBlocking in
                switch (isBlocking, direction) {
                case (false, _): .readiness(fd: fd, direction, guarded: false)
                case (true, .read): .readiness(fd: fd, .read, guarded: true)
                case (true, .write): .pool
                }
            }
        }
    }

    /// Whether `fd` is in blocking mode (no `O_NONBLOCK`); `.failed` when `fcntl` fails.
    private static func blocking(_ fd: Int32) -> BlockingMode {
        let flags = fcntl(fd, F_GETFL)
        if flags < 0 { return .unknown(.code(errno)) }
        return .known(flags & O_NONBLOCK == 0)
    }

    /// The answer of ``blocking(_:)``.
    private enum BlockingMode {
        case known(Bool)
        case unknown(IOError)

        func map(_ route: (Bool) -> EpollRoute) -> EpollRoute {
            switch self {
            case .known(let isBlocking): route(isBlocking)
            case .unknown(let error): .failed(error)
            }
        }
    }

    /// Before a guarded attempt on a blocking descriptor: true when `poll(2)`
    /// says a read of `fd` would block now. Readable means the read returns at
    /// once, unless another reader outside this driver takes the data first;
    /// sharing a blocking descriptor with such a reader is not supported.
    static func guardedAttemptWouldBlock(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = Glibc.poll(&entry, 1, 0)
        // An error (EINTR, …) counts as not ready: the op waits for epoll instead.
        return n <= 0
    }

    /// The op as the driver attempts it on its own thread: the `send`/`recv`
    /// family with `MSG_DONTWAIT`, so that it cannot block whatever mode the
    /// socket is in. Other readiness ops run on non-blocking descriptors already.
    static func nonBlockingAttempt(_ op: Op) -> Op {
        let dontWait = CLINUX_MSG_DONTWAIT
        switch op {
        case .send(let fd, let buffer, let flags):
            return .send(fd: fd, buffer: buffer, flags: flags | dontWait)
        case .recv(let fd, let buffer, let flags):
            return .recv(fd: fd, buffer: buffer, flags: flags | dontWait)
        case .sendTo(let fd, let buffer, let flags, let address):
            return .sendTo(fd: fd, buffer: buffer, flags: flags | dontWait, address: address)
        case .recvFrom(let fd, let buffer, let flags, let address):
            return .recvFrom(fd: fd, buffer: buffer, flags: flags | dontWait, address: address)
        case .sendMessage(let fd, let message, let flags):
            return .sendMessage(fd: fd, message: message, flags: flags | dontWait)
        case .recvMessage(let fd, let message, let flags):
            return .recvMessage(fd: fd, message: message, flags: flags | dontWait)
        default:
            return op
        }
    }
}

extension Result where Failure == IOError {
    /// Whether the result says "not ready yet": `EAGAIN` (`EWOULDBLOCK` is the same on Linux).
    var wouldBlock: Bool {
        if case .failure(.errno(let e)) = self { e == .resourceTemporarilyUnavailable } else { false }
    }
}
