import CLinux
import Compio
import Glibc
import SystemPackage
import Testing

/// Socket ops through the driver, over loopback.
@Suite struct DriverSocketOpTests {
    static let stream = CLINUX_SOCK_STREAM
    static let datagram = CLINUX_SOCK_DGRAM

    static func socket(_ driver: any Driver, type: Int32) throws -> Int32 {
        let c = try driver.expectSuccess(.socket(domain: AF_INET, type: type, protocol: 0))
        guard let descriptor = c.descriptor else { throw HarnessError.noCompletion(c.key) }
        #expect(fcntl(descriptor.raw, F_GETFD) & FD_CLOEXEC != 0, "sockets are close-on-exec")
        return descriptor.take()
    }

    /// A listening TCP socket on 127.0.0.1 and its port, set up through the driver.
    static func listener(_ driver: any Driver) throws -> (fd: Int32, port: UInt16) {
        let fd = try socket(driver, type: stream)
        try driver.expectSuccess(.bind(fd: fd, address: Fixture.loopback(port: 0)))
        try driver.expectSuccess(.listen(fd: fd, backlog: 16))
        return (fd, Fixture.port(of: fd))
    }

    /// Two UDP sockets bound to loopback ports, set up through the driver.
    static func udpPair(_ driver: any Driver) throws -> (Int32, Int32) {
        let a = try socket(driver, type: datagram), b = try socket(driver, type: datagram)
        try driver.expectSuccess(.bind(fd: a, address: Fixture.loopback(port: 0)))
        try driver.expectSuccess(.bind(fd: b, address: Fixture.loopback(port: 0)))
        return (a, b)
    }

    @Test(arguments: TestDrivers.choices)
    func tcpAcceptConnectSendRecvShutdown(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let (listenFD, port) = try Self.listener(driver)
        defer { Fixture.close(listenFD) }
        let peer = SocketAddressBuffer()
        let acceptKey = try driver.pushPending(.accept(fd: listenFD, peer: peer))
        let client = try Self.socket(driver, type: Self.stream)
        defer { Fixture.close(client) }
        var accepted: Completion?
        let connected = try driver.run(.connect(fd: client, address: Fixture.loopback(port: port))) { c in
            if c.key == acceptKey { accepted = c }
        }
        #expect(connected.result == .success(0))
        let acceptance = try accepted ?? driver.wait(for: acceptKey)
        guard let serverDescriptor = acceptance.descriptor else {
            Issue.record("accept failed: \(acceptance.result)")
            return
        }
        let server = serverDescriptor.take()
        defer { Fixture.close(server) }
        #expect(fcntl(server, F_GETFD) & FD_CLOEXEC != 0, "accepted sockets are close-on-exec")
        #expect(peer.family == AF_INET)
        #expect(Fixture.port(of: peer) == Fixture.port(of: client))

        let out = IOBuffer(bytes: Array("ping".utf8))
        #expect(try driver.run(.send(fd: client, buffer: OpBuffer(out, count: 4), flags: 0)).result == .success(4))
        let into = IOBuffer(capacity: 16)
        let r = try driver.run(.recv(fd: server, buffer: OpBuffer(into), flags: 0))
        into.initialized = try r.result.get()
        #expect(into.bytes == Array("ping".utf8))

        #expect(try driver.run(.shutdown(fd: client, how: CLINUX_SHUT_WR)).result == .success(0))
        let eof = try driver.run(.recv(fd: server, buffer: OpBuffer(into), flags: 0))
        #expect(eof.result == .success(0), "after the peer's shutdown, recv reads end of stream")
    }

    @Test(arguments: TestDrivers.choices)
    func sendToAClosedPeerFailsWithoutSignal(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let (listenFD, port) = try Self.listener(driver)
        defer { Fixture.close(listenFD) }
        let client = try Self.socket(driver, type: Self.stream)
        defer { Fixture.close(client) }
        let acceptKey = try driver.pushPending(.accept(fd: listenFD, peer: nil))
        // Dropping the accept's completion, wherever it arrives, closes the server side.
        var acceptDone = false
        let connected = try driver.run(.connect(fd: client, address: Fixture.loopback(port: port))) { c in
            acceptDone = acceptDone || c.key == acceptKey
        }
        #expect(connected.result == .success(0))
        if !acceptDone { _ = try driver.wait(for: acceptKey) }
        let out = IOBuffer(bytes: Array(repeating: 7, count: 1024))
        var error: IOError?
        for _ in 0..<20 where error == nil {
            error = try driver.run(.send(fd: client, buffer: OpBuffer(out, count: 1024), flags: 0)).error
        }
        // Reaching this line at all shows CLINUX_MSG_NOSIGNAL: SIGPIPE would have killed the process.
        #expect(error == .errno(.brokenPipe) || error == .errno(.connectionReset))
    }

    @Test(arguments: TestDrivers.choices)
    func connectToAClosedPortIsRefused(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let port = try Fixture.closedPort()
        let fd = try Self.socket(driver, type: Self.stream)
        defer { Fixture.close(fd) }
        let c = try driver.run(.connect(fd: fd, address: Fixture.loopback(port: port)))
        #expect(c.error == .errno(.connectionRefused))
    }

    @Test(arguments: TestDrivers.choices)
    func socketErrorPaths(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let bad = try driver.run(.socket(domain: 12345, type: Self.stream, protocol: 0))
        #expect(bad.error == .errno(.addressFamilyNotSupported))
        #expect(bad.descriptor == nil)
        let b = IOBuffer(capacity: 4)
        #expect(try driver.run(.recv(fd: 1_000_000, buffer: OpBuffer(b), flags: 0)).error == .errno(.badFileDescriptor))
        #expect(try driver.run(.listen(fd: 1_000_000, backlog: 1)).error == .errno(.badFileDescriptor))
        #expect(try driver.run(.bind(fd: 1_000_000, address: Fixture.loopback(port: 0))).error == .errno(.badFileDescriptor))
    }

    @Test(arguments: TestDrivers.choices)
    func udpSendToRecvFrom(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let (a, b) = try Self.udpPair(driver)
        defer { Fixture.close(a, b) }
        let from = SocketAddressBuffer()
        let into = IOBuffer(capacity: 32)
        let recvKey = try driver.pushPending(.recvFrom(fd: b, buffer: OpBuffer(into), flags: 0, address: from))
        let out = IOBuffer(bytes: Array("datagram".utf8))
        var received: Completion?
        let sent = try driver.run(.sendTo(fd: a, buffer: OpBuffer(out, count: 8), flags: 0, address: Fixture.loopback(port: Fixture.port(of: b)))) { c in
            if c.key == recvKey { received = c }
        }
        #expect(sent.result == .success(8))
        let got = try received ?? driver.wait(for: recvKey)
        into.initialized = try got.result.get()
        #expect(into.bytes == Array("datagram".utf8))
        #expect(Int(from.length.pointee) == MemoryLayout<sockaddr_in>.size)
        #expect(Fixture.port(of: from) == Fixture.port(of: a))
    }

    @Test(arguments: TestDrivers.choices)
    func udpSendMessageRecvMessage(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let (a, b) = try Self.udpPair(driver)
        defer { Fixture.close(a, b) }
        let head = IOBuffer(bytes: Array("two ".utf8)), body = IOBuffer(bytes: Array("parts".utf8))
        let outgoing = MessageBuffer(
            buffers: OpBufferVector([OpBuffer(head, count: 4), OpBuffer(body, count: 5)]),
            address: Fixture.loopback(port: Fixture.port(of: b)))
        #expect(try driver.run(.sendMessage(fd: a, message: outgoing, flags: 0)).result == .success(9))
        let x = IOBuffer(capacity: 3), y = IOBuffer(capacity: 16)
        let source = SocketAddressBuffer()
        let incoming = MessageBuffer(buffers: OpBufferVector([OpBuffer(x), OpBuffer(y)]), address: source)
        let c = try driver.run(.recvMessage(fd: b, message: incoming, flags: 0))
        #expect(c.result == .success(9))
        x.initialized = 3
        y.initialized = 6
        #expect(x.bytes + y.bytes == Array("two parts".utf8))
        #expect(Fixture.port(of: source) == Fixture.port(of: a))
        #expect(incoming.receivedFlags & CLINUX_MSG_TRUNC == 0)
    }

    @Test(arguments: TestDrivers.choices)
    func pollOnceOnAPipe(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let key = try driver.pushPending(.pollOnce(fd: pipe.read, events: UInt32(POLLIN)))
        let quiet = try driver.poll(timeout: .milliseconds(20)) { c in Issue.record("poll fired early: \(c.result)") }
        #expect(quiet == 0)
        #expect(Glibc.write(pipe.write, "x", 1) == 1)
        let c = try driver.wait(for: key)
        #expect(try c.result.get() & Int(POLLIN) != 0)
        let writable = try driver.run(.pollOnce(fd: pipe.write, events: UInt32(POLLOUT)))
        #expect(try writable.result.get() & Int(POLLOUT) != 0)
    }

    @Test(arguments: TestDrivers.choices)
    func acceptThatCompletedBeforeItsCancelDoesNotLeak(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let before = OpenDescriptors.count()
        do {
            let (listenFD, port) = try Self.listener(driver)
            defer { Fixture.close(listenFD) }
            let key = try driver.pushPending(.accept(fd: listenFD, peer: nil))
            _ = try driver.poll(timeout: .zero) { _ in }
            // The connection is made behind the driver's back, so the accept
            // finishes in the kernel while nobody polls; then the cancel comes.
            let client = Glibc.socket(AF_INET, Self.stream, 0)
            defer { Fixture.close(client) }
            let address = Fixture.loopback(port: port)
            #expect(Glibc.connect(client, address.sockaddrPointer, address.length.pointee) == 0)
            usleep(10_000)
            driver.cancel(key)
            let c = try driver.wait(for: key)
            switch c.result {
            case .success(let fd):
                #expect(c.descriptor?.raw == Int32(fd))
            case .failure(let error):
                #expect(error == .errno(.canceled))
            }
        }
        #expect(OpenDescriptors.count() == before, "the accepted descriptor leaked")
    }

    @Test(arguments: TestDrivers.choices)
    func droppedAcceptCompletionClosesItsDescriptor(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let before = OpenDescriptors.count()
        do {
            let (listenFD, port) = try Self.listener(driver)
            defer { Fixture.close(listenFD) }
            let client = try Self.socket(driver, type: Self.stream)
            defer { Fixture.close(client) }
            try driver.expectSuccess(.connect(fd: client, address: Fixture.loopback(port: port)))
            switch driver.push(.accept(fd: listenFD, peer: nil)) {
            case .pending(let key):
                driver.cancel(key)  // too late or in time: either way nothing leaks
                _ = try driver.wait(for: key)
            case .ready(let c):
                // epoll accepts a waiting connection inside push (CONTRIBUTING.md,
                // "Eager completion"); the dropped completion must close it all the same.
                #expect(choice == .epoll, "only epoll completes an accept in push")
                #expect(c.descriptor != nil)
            }
        }
        #expect(OpenDescriptors.count() == before, "the accepted descriptor leaked")
    }
}
