import CLinux
import Compio
import CompioSim
import Glibc
import Testing

/// Two hosts: a server on 10.0.0.1 and a client on 10.0.0.2.
private func twoHosts(seed: UInt64, faults: FaultPlan = .none) -> SimHarness {
    let h = SimHarness(seed: seed, faults: faults)
    h.driver.addHost("10.0.0.2")
    return h
}

private func streamSocket(_ h: SimHarness, bind address: String) throws -> Int32 {
    let fd = try h.open(.socket(domain: AF_INET, type: 1, protocol: 0))
    _ = try h.run(.bind(fd: fd, address: SimAddress(address)!.buffer()))
    return fd
}

private func received(_ c: Completion) throws -> [UInt8] {
    let n = try c.result.get()
    switch c.op {
    case .recv(_, let b, _), .recvFrom(_, let b, _, _), .read(_, let b):
        let owner = b.owner as! IOBuffer
        owner.initialized = n
        return owner.bytes
    default:
        return []
    }
}

@Suite struct NetworkTests {
    @Test(arguments: SimSeeds.default)
    func tcpEchoBetweenTwoHosts(seed: UInt64) throws {
        let h = twoHosts(seed: seed)
        let listener = try streamSocket(h, bind: "10.0.0.1:7")
        _ = try h.run(.listen(fd: listener, backlog: 4))
        let client = try streamSocket(h, bind: "10.0.0.2:0")
        let peer = SocketAddressBuffer()
        let accepting = h.start(.accept(fd: listener, peer: peer))
        let connecting = h.start(.connect(fd: client, address: SimAddress("10.0.0.1:7")!.buffer()))
        #expect(try h.wait(connecting).result.get() == 0)
        let server = try h.wait(accepting).descriptor!.take()
        #expect(SimAddress(peer)?.ip == SimAddress("10.0.0.2")!.ip)

        let message = Array("hello, echo".utf8)
        var sent = 0
        while sent < message.count {
            sent += try h.run(.send(fd: client, buffer: OpBuffer(IOBuffer(bytes: message[sent...])), flags: 0)).result.get()
        }
        var echoed: [UInt8] = []
        while echoed.count < message.count {
            let got = try received(try h.run(.recv(fd: server, buffer: OpBuffer(IOBuffer(capacity: 64)), flags: 0)))
            #expect(!got.isEmpty)
            _ = try h.run(.send(fd: server, buffer: OpBuffer(IOBuffer(bytes: got)), flags: 0))
            echoed += got
        }
        var back: [UInt8] = []
        while back.count < message.count {
            back += try received(try h.run(.recv(fd: client, buffer: OpBuffer(IOBuffer(capacity: 64)), flags: 0)))
        }
        #expect(back == message)
        // Half-close: the server reads end of stream, and can still send.
        _ = try h.run(.shutdown(fd: client, how: CLINUX_SHUT_WR))
        #expect(try h.run(.recv(fd: server, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0)).result.get() == 0)
        _ = try h.run(.send(fd: server, buffer: OpBuffer(buffer("bye")), flags: 0))
        #expect(try received(try h.run(.recv(fd: client, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0))) == Array("bye".utf8))
        for fd in [server, client, listener] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    @Test(arguments: SimSeeds.seeds(defaultCount: 16))
    func udpDatagramsCarryTheirSource(seed: UInt64) throws {
        let h = twoHosts(seed: seed)
        let a = try h.open(.socket(domain: AF_INET, type: 2, protocol: 0))
        _ = try h.run(.bind(fd: a, address: SimAddress("10.0.0.1:53")!.buffer()))
        let b = try h.open(.socket(domain: AF_INET, type: 2, protocol: 0))
        _ = try h.run(.bind(fd: b, address: SimAddress("10.0.0.2:5353")!.buffer()))
        let source = SocketAddressBuffer()
        let receiving = h.start(.recvFrom(fd: a, buffer: OpBuffer(IOBuffer(capacity: 4)), flags: 0, address: source))
        #expect(try h.run(.sendTo(fd: b, buffer: OpBuffer(buffer("query!")), flags: 0, address: SimAddress("10.0.0.1:53")!.buffer())).result.get() == 6)
        // Truncated to the buffer, as UDP does.
        #expect(try received(try h.wait(receiving)) == Array("quer".utf8))
        #expect(SimAddress(source) == SimAddress("10.0.0.2:5353"))
        for fd in [a, b] { try h.close(fd) }
        expectClean(h.driver)
    }

    @Test func connectToAClosedPortIsRefused() throws {
        let h = twoHosts(seed: 2)
        let client = try streamSocket(h, bind: "10.0.0.2:0")
        #expect(try h.run(.connect(fd: client, address: SimAddress("10.0.0.1:81")!.buffer())).error == .code(ECONNREFUSED))
        try h.close(client)
        expectClean(h.driver)
    }

    @Test(arguments: SimSeeds.seeds(defaultCount: 8))
    func partitionTimesOutConnectsAndDelaysStreamData(seed: UInt64) throws {
        let h = twoHosts(seed: seed)
        let listener = try streamSocket(h, bind: "10.0.0.1:7")
        _ = try h.run(.listen(fd: listener, backlog: 4))
        h.driver.partition("10.0.0.1", "10.0.0.2", for: .seconds(30))
        let doomed = try streamSocket(h, bind: "10.0.0.2:0")
        let start = h.driver.now
        #expect(try h.run(.connect(fd: doomed, address: SimAddress("10.0.0.1:7")!.buffer())).error == .code(ETIMEDOUT))
        #expect(start.duration(to: h.driver.now) >= h.driver.connectTimeout)
        try h.close(doomed)
        h.driver.heal("10.0.0.1", "10.0.0.2")

        let client = try streamSocket(h, bind: "10.0.0.2:0")
        let accepting = h.start(.accept(fd: listener, peer: nil))
        _ = try h.run(.connect(fd: client, address: SimAddress("10.0.0.1:7")!.buffer()))
        let server = try h.wait(accepting).descriptor!.take()
        h.driver.partition("10.0.0.1", "10.0.0.2", for: .seconds(2))
        let partitionEnds = h.driver.now.advanced(by: .seconds(2))
        _ = try h.run(.send(fd: client, buffer: OpBuffer(buffer("late")), flags: 0))
        let got = try received(try h.run(.recv(fd: server, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0)))
        #expect(got == Array("late".utf8))
        #expect(h.driver.now >= partitionEnds, "data crossed a partition")
        for fd in [server, client, listener] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    @Test func closingWithAPeerStillSendingResetsThePeer() throws {
        let h = twoHosts(seed: 8)
        let listener = try streamSocket(h, bind: "10.0.0.1:7")
        _ = try h.run(.listen(fd: listener, backlog: 4))
        let client = try streamSocket(h, bind: "10.0.0.2:0")
        let accepting = h.start(.accept(fd: listener, peer: nil))
        _ = try h.run(.connect(fd: client, address: SimAddress("10.0.0.1:7")!.buffer()))
        let server = try h.wait(accepting).descriptor!.take()
        try h.close(server)
        // The FIN arrives first; data sent after it reaches a closed socket and draws a reset.
        #expect(try h.run(.recv(fd: client, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0)).result.get() == 0)
        _ = try h.run(.send(fd: client, buffer: OpBuffer(buffer("anyone?")), flags: 0))
        try h.poll(timeout: .seconds(1))
        #expect(try h.run(.send(fd: client, buffer: OpBuffer(buffer("x")), flags: 0)).error == .code(ECONNRESET))
        for fd in [client, listener] { try h.close(fd) }
        expectClean(h.driver)
    }

    @Test func pollOnceWaitsForReadiness() throws {
        let h = SimHarness(seed: 13)
        let pipe = h.driver.makePipe()
        let waiting = h.start(.pollOnce(fd: pipe.read, events: UInt32(POLLIN)))
        try h.poll(timeout: .seconds(1))
        #expect(!h.isDone(waiting))
        _ = try h.run(.write(fd: pipe.write, buffer: OpBuffer(buffer("x"))))
        #expect(try h.wait(waiting).result.get() & Int(POLLIN) != 0)
        try h.close(pipe.read)
        try h.close(pipe.write)
        expectClean(h.driver)
    }
}
