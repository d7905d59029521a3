import CLinux
import Glibc

/// A positioned read served from the page cache on the calling thread:
/// `preadv2` with `RWF_NOWAIT` (Linux 4.14), which copies what the cache holds
/// and fails with `EAGAIN` instead of waiting for the disk.
///
/// The kernel drivers use it when the runtime tries to complete a read inline
/// (``Driver/pushEagerly(_:_:)``): one syscall and no driver bookkeeping, where
/// epoll would otherwise hand the read to the thread pool and io_uring would
/// add an SQE, a CQE and an op-table slot for the same copy.
enum PageCacheRead {
    /// Whether ``attempt(_:)`` tries `op` at all: a positioned read.
    @inline(__always)
    static func serves(_ op: Op) -> Bool {
        if case .readAt(_, _, let offset) = op { offset >= 0 } else { false }
    }

    /// The completion of `op`, or `nil` to run it the driver's usual way: the
    /// op is not a positioned read, the data is not all cached (`EAGAIN`, or a
    /// short read, which the usual way would have completed by waiting for
    /// the disk; re-reading a positioned range is harmless), or the file
    /// system cannot tell (`EOPNOTSUPP`, `EINVAL`). Other errors are the
    /// read's own, as the usual way would have met them.
    @inline(__always)
    static func attempt(_ op: Op) -> Completion? {
        guard case .readAt(let fd, let buffer, let offset) = op, offset >= 0 else { return nil }
        let n = clinux_pread_cached(fd, buffer.base, buffer.count, offset)
        if n == buffer.count || n == 0 { return Completion(key: .immediate, op: op, result: .success(n)) }
        if n > 0 { return nil }
        let code = clinux_errno()
        switch code {
        case EAGAIN, EOPNOTSUPP, EINVAL, ENOSYS, EINTR: return nil
        default: return Completion(key: .immediate, op: op, result: .failure(.code(code)))
        }
    }
}
