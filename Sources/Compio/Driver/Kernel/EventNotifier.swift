import CLinux
import Glibc
import SystemPackage

/// The kernel drivers' notifier: an eventfd the driver watches, behind a ``WakeFlag``.
public final class EventNotifier: DriverNotifier {
    /// The eventfd. The driver watches it for readability and drains it.
    public let fd: Int32
    /// The wake elision state shared with the driver.
    public let flag = WakeFlag()

    /// Creates the eventfd (non-blocking, close-on-exec).
    public init() throws(IOError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        if fd < 0 { throw .code(errno) }
        self.fd = fd
    }

    deinit { _ = Glibc.close(fd) }

    /// Wakes the driver; a syscall only when it may be blocked.
    public func notify() {
        if flag.notify() { signal() }
    }

    /// Writes the eventfd unconditionally.
    public func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(fd, $0.baseAddress, 8) }
    }

    /// Reads the eventfd to reset it. Returns whether it had been signalled.
    @discardableResult
    public func drain() -> Bool {
        var value: UInt64 = 0
        return withUnsafeMutableBytes(of: &value) { Glibc.read(fd, $0.baseAddress, 8) } == 8
    }
}
