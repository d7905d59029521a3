import CLinux
import Compio
import Foundation
import Glibc
import SystemPackage
import Testing

/// Kernel objects the driver tests work on. Fixtures may call the OS directly:
/// they set the stage; the op under test always goes through the driver.
enum Fixture {
    /// A pipe, close-on-exec. Close both ends with ``close(_:)``.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw IOError.code(errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// A pipe whose read end already holds `bytes`.
    static func pipe(holding bytes: [UInt8]) throws -> (read: Int32, write: Int32) {
        let fds = try pipe()
        guard Glibc.write(fds.write, bytes, bytes.count) == bytes.count else { throw IOError.code(errno) }
        return fds
    }

    /// Closes `fds`.
    static func close(_ fds: Int32...) {
        for fd in fds where fd >= 0 { _ = Glibc.close(fd) }
    }

    /// A new empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "compio-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw IOError.code(errno) }
        return String(cString: made)
    }

    /// Removes `path` and everything under it.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// An IPv4 loopback address with `port` (host order).
    static func loopback(port: UInt16) -> SocketAddressBuffer {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return withUnsafeBytes(of: &address) {
            SocketAddressBuffer(copying: $0.baseAddress!, length: MemoryLayout<sockaddr_in>.size)
        }
    }

    /// The port `fd` is bound to (host order).
    static func port(of fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// The port of `address` (host order), for IPv4 addresses.
    static func port(of address: SocketAddressBuffer) -> UInt16 {
        UnsafeMutableRawPointer(address.storage).withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            UInt16(bigEndian: $0.pointee.sin_port)
        }
    }

    /// A loopback port nothing listens on: bound once, then closed.
    static func closedPort() throws -> UInt16 {
        let fd = Glibc.socket(AF_INET, CLINUX_SOCK_STREAM, 0)
        guard fd >= 0 else { throw IOError.code(errno) }
        defer { _ = Glibc.close(fd) }
        let address = loopback(port: 0)
        guard Glibc.bind(fd, address.sockaddrPointer, address.length.pointee) == 0 else { throw IOError.code(errno) }
        return port(of: fd)
    }

    /// Bytes waiting in a pipe or socket (`FIONREAD`).
    static func pendingBytes(_ fd: Int32) -> Int {
        var count: Int32 = 0
        _ = ioctl(fd, UInt(FIONREAD), &count)
        return Int(count)
    }

    /// Runs `body` on a new thread after `delay`.
    static func after(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(delay.nanosecondsClamped) / 1e9)
            body()
        }
    }
}

/// The buffer a completed op carried back.
func returnedBuffer(_ op: Op) -> OpBuffer? {
    switch op {
    case .read(_, let b), .readAt(_, let b, _), .write(_, let b), .writeAt(_, let b, _),
        .send(_, let b, _), .recv(_, let b, _), .sendTo(_, let b, _, _), .recvFrom(_, let b, _, _):
        b
    default:
        nil
    }
}

extension Driver {
    /// Pushes `op`, expecting it to be in flight.
    func pushPending(_ op: Op, sourceLocation: SourceLocation = #_sourceLocation) throws -> OpKey {
        switch push(op) {
        case .pending(let key):
            return key
        case .ready(let c):
            Issue.record("expected \(op.name) to be pending, it completed with \(c.result)", sourceLocation: sourceLocation)
            throw HarnessError.noCompletion(.immediate)
        }
    }

    /// Runs `op` and returns its result value, recording an issue on failure.
    @discardableResult
    func expectSuccess(_ op: Op, sourceLocation: SourceLocation = #_sourceLocation) throws -> Completion {
        let c = try run(op)
        if case .failure(let e) = c.result { Issue.record("\(op.name) failed: \(e)", sourceLocation: sourceLocation) }
        return c
    }
}
