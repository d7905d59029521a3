import CLinux
import Compio
import Glibc
import SystemPackage
import Testing

/// Which driver ``DriverBuilder`` builds: the probe, the fallback to epoll, forcing, and `COMPIO_DRIVER`.
@Suite(.serialized) struct DriverSelectionTests {
    /// Whether this kernel lets us create an io_uring driver at all.
    static var ioUringUsable: Bool { (try? IoUringDriver(builder: DriverBuilder(choice: .ioUring))) != nil }

    @Test func autoPicksIoUringWhenTheKernelAllowsIt() throws {
        let (driver, selection) = try DriverBuilder(choice: .auto).buildWithSelection()
        if Self.ioUringUsable {
            #expect(selection.kind == .ioUring)
            #expect(driver.kind == .ioUring)
            #expect(!selection.fellBack)
        } else {
            // A kernel or seccomp profile without io_uring: auto must still run.
            #expect(selection.kind == .epoll && driver.kind == .epoll)
            #expect(selection.fallbackReason != nil)
        }
        #expect(selection.requested == .auto)
    }

    @Test func ringCreationFailureFallsBackToEpoll() throws {
        var builder = DriverBuilder(choice: .auto)
        builder.simulatedRingFailure = .notPermitted
        let driver = try builder.build()
        #expect(driver.kind == .epoll)
        #expect(driver is EpollDriver)
        let selection = try #require(DriverSelection.last)
        #expect(selection.kind == .epoll)
        #expect(selection.fallbackReason == .errno(.notPermitted))
        #expect(selection.description.contains("io_uring unavailable"))
    }

    @Test func theFallbackBehavesLikeIoUring() throws {
        var builder = DriverBuilder(choice: .auto)
        builder.simulatedRingFailure = .notPermitted
        let fallback = try builder.build()
        #expect(fallback.kind == .epoll)
        let onEpoll = try Self.scenario(fallback)
        #expect(!onEpoll.isEmpty)
        #expect(onEpoll.allSatisfy { !$0.contains("failure") }, "\(onEpoll)")
        guard Self.ioUringUsable else { return }
        let onIoUring = try Self.scenario(DriverBuilder(choice: .ioUring).build())
        #expect(onEpoll == onIoUring)
    }

    @Test func forcedIoUringThatCannotBeBuiltIsAnError() {
        var builder = DriverBuilder(choice: .ioUring)
        builder.simulatedRingFailure = .notPermitted
        #expect(throws: IOError.errno(.notPermitted)) { try builder.build() }
        #expect(throws: IOError.errno(.notPermitted)) { try builder.buildWithSelection() }
    }

    @Test func forcedEpollIsEpoll() throws {
        var builder = DriverBuilder(choice: .epoll)
        builder.simulatedRingFailure = .notPermitted  // irrelevant to epoll
        let (driver, selection) = try builder.buildWithSelection()
        #expect(driver.kind == .epoll)
        #expect(selection.requested == .epoll && selection.kind == .epoll)
        #expect(selection.fallbackReason == nil, "forcing epoll is no fallback")
    }

    @Test func environmentVariableChoosesTheDriver() {
        let saved = getenv("COMPIO_DRIVER").map { String(cString: $0) }
        defer {
            if let saved { setenv("COMPIO_DRIVER", saved, 1) } else { unsetenv("COMPIO_DRIVER") }
        }
        let cases: [(String, DriverBuilder.Choice?)] = [
            ("epoll", .epoll), ("io_uring", .ioUring), ("IO_URING", .ioUring), ("uring", .ioUring),
            ("auto", .auto), ("Epoll", .epoll), ("kqueue", nil), ("", nil),
        ]
        for (value, expected) in cases {
            setenv("COMPIO_DRIVER", value, 1)
            #expect(DriverBuilder.environmentChoice == expected, "COMPIO_DRIVER=\(value)")
            #expect(DriverBuilder().choice == expected ?? .auto, "COMPIO_DRIVER=\(value)")
        }
        unsetenv("COMPIO_DRIVER")
        #expect(DriverBuilder.environmentChoice == nil)
        #expect(DriverBuilder().choice == .auto)
        setenv("COMPIO_DRIVER", "epoll", 1)
        #expect((try? DriverBuilder().build())?.kind == .epoll)
    }

    /// A little of everything, through the driver only; returns what each op
    /// answered, so two drivers can be compared line for line.
    static func scenario(_ driver: any Driver) throws -> [String] {
        var log: [String] = []
        func run(_ op: Op) throws -> Completion {
            let c = try driver.run(op)
            // A new descriptor's number depends on what else is open; that it exists is what counts.
            log.append(c.descriptor != nil ? "\(op.name) new fd" : "\(op.name) \(c.result)")
            return c
        }
        _ = try run(.nop)

        // TCP over loopback: socket, bind, listen, connect, accept, send, recv, close.
        let stream = CLINUX_SOCK_STREAM
        let listener = try #require(try run(.socket(domain: AF_INET, type: stream, protocol: 0)).descriptor).take()
        _ = try run(.bind(fd: listener, address: Fixture.loopback(port: 0)))
        _ = try run(.listen(fd: listener, backlog: 8))
        let client = try #require(try run(.socket(domain: AF_INET, type: stream, protocol: 0)).descriptor).take()
        _ = try run(.connect(fd: client, address: Fixture.loopback(port: Fixture.port(of: listener))))
        let server = try #require(try run(.accept(fd: listener, peer: nil)).descriptor).take()
        _ = try run(.send(fd: client, buffer: OpBuffer(IOBuffer(bytes: Array("hello".utf8))), flags: 0))
        let received = IOBuffer(capacity: 16)
        _ = try run(.recv(fd: server, buffer: OpBuffer(received), flags: 0))
        log.append(String(decoding: UnsafeRawBufferPointer(start: received.base, count: 5), as: UTF8.self))
        for fd in [server, client, listener] { _ = try run(.close(fd: fd)) }

        // A file: open, write, read back, metadata, close, unlink.
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let path = try OpPath(directory + "/selection")
        let file = try #require(try run(.openAt(directory: AT_FDCWD, path: path, flags: O_CREAT | O_RDWR, mode: 0o600)).descriptor).take()
        _ = try run(.writeAt(fd: file, buffer: OpBuffer(IOBuffer(bytes: Array("data".utf8))), offset: 0))
        let back = IOBuffer(capacity: 8)
        _ = try run(.readAt(fd: file, buffer: OpBuffer(back), offset: 0))
        let metadata = MetadataBuffer()
        _ = try run(.metadata(fd: file, into: metadata))
        log.append("size \(metadata.metadata.size)")
        _ = try run(.close(fd: file))
        _ = try run(.unlinkAt(directory: AT_FDCWD, path: path, removeDirectory: false))
        return log
    }
}
