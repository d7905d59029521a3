import Glibc
import SystemPackage

/// The one place the blocking layer turns a raw syscall return into a result.
///
/// Every call goes through here so the EINTR policy and the errno mapping are
/// decided once: a signal that interrupts a blocking call before it did
/// anything is not an error the caller can act on, so the call is made again;
/// every other failure becomes ``IOError/errno(_:)`` with the kernel's own code.
enum Syscall {
    /// Makes `call` until it does not fail with `EINTR`.
    ///
    /// Only for calls that are safe to repeat after `EINTR`, which is every call
    /// the blocking layer makes except `close` (see ``once(_:)``) and `connect`
    /// (the connection goes on after `EINTR`, and a second `connect` would get
    /// `EALREADY`). A non-blocking descriptor's `EAGAIN` or `EINPROGRESS` is
    /// returned, never waited out: the epoll driver's eager attempt relies on it.
    @inline(__always)
    static func retrying<R: BinaryInteger>(_ call: () -> R) -> Result<Int, IOError> {
        while true {
            let returned = call()
            if returned >= 0 { return .success(Int(returned)) }
            let code = errno
            if code != EINTR { return .failure(.code(code)) }
        }
    }

    /// Makes `call` exactly once, whatever it returns.
    @inline(__always)
    static func once<R: BinaryInteger>(_ call: () -> R) -> Result<Int, IOError> {
        let returned = call()
        if returned >= 0 { return .success(Int(returned)) }
        return .failure(.code(errno))
    }

    /// The refusal for a transfer of `count` bytes, or `nil` if one op can take it.
    ///
    /// Linux silently shortens transfers above `MAX_RW_COUNT` (just under
    /// `Int32.max`) and some paths reject sizes past `Int32.max` with a bare
    /// `EINVAL`; refusing up front gives the caller a reason instead.
    @inline(__always)
    static func checkSize(_ count: Int) -> IOError? {
        count > Int(Int32.max) ? .bufferTooLarge(count) : nil
    }
}
