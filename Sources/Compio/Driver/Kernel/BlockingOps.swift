import CLinux
import Glibc
import SystemPackage

/// Every op as a blocking syscall: what the thread pool runs for ops a driver
/// cannot do asynchronously (file I/O under epoll, opcodes io_uring lacks).
///
/// SCAFFOLD: being filled in; only nop and asyncify work yet.
public enum BlockingOps {
    /// Runs `op` to completion on the calling thread.
    public static func execute(_ op: Op) -> (Result<Int, IOError>, OwnedDescriptor?) {
        switch op {
        case .nop: return (.success(0), nil)
        case .asyncify(let work): return (work.body(), nil)
        default: return (.failure(.unsupported(op.name)), nil)
        }
    }
}
