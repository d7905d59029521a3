import SystemPackage

/// The error of every Compio operation: an `Errno` from the kernel, or one of
/// Compio's own conditions, found before any syscall was made.
public enum IOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kernel (or the simulated kernel) refused the op.
    case errno(Errno)
    /// Every thread of the bounded pool was busy and the pool is at its limit.
    /// The op never ran; try again later or raise the limit.
    case poolBusy
    /// A path contained a NUL byte. Refused before any syscall.
    case pathContainsNul
    /// The runtime or driver has shut down; the op never ran.
    case shutdown
    /// The descriptor was closed by `close()`; the op never ran.
    case closed
    /// The call needs a runtime and none runs the current task or thread.
    case noRuntime
    /// A stream ended before an exact read was satisfied (a read returned 0
    /// before the buffer was full).
    case unexpectedEndOfStream
    /// A write accepted no bytes, so writing everything cannot make progress.
    case writeZero
    /// A buffer was larger than the op can take (the kernel's limit is `Int32.max` bytes per op).
    case bufferTooLarge(Int)
    /// The op or setting is not available with this driver or kernel.
    case unsupported(String)
    /// The value given was not valid for this op (for example a negative offset).
    case invalidArgument(String)

    /// Shorthand for ``errno(_:)`` from a raw errno value.
    public static func code(_ raw: Int32) -> IOError { .errno(Errno(rawValue: raw)) }

    /// Whether the op was cancelled (`ECANCELED`).
    public var isCancelled: Bool { self == .errno(.canceled) }

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .errno(let e): "\(e) (errno \(e.rawValue))"
        case .poolBusy: "the thread pool is at its limit and every thread is busy"
        case .pathContainsNul: "the path contains a NUL byte"
        case .shutdown: "the runtime has shut down"
        case .closed: "the descriptor has been closed"
        case .unexpectedEndOfStream: "the stream ended before the read was complete"
        case .writeZero: "a write accepted no bytes"
        case .noRuntime: "no Compio runtime runs the current task; call from inside Runtime.blockOn or a task it spawned"
        case .bufferTooLarge(let n): "a buffer of \(n) bytes is larger than one op can take"
        case .unsupported(let what): "unsupported: \(what)"
        case .invalidArgument(let what): "invalid argument: \(what)"
        }
    }
}
