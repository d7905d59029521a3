import CLinux
import Compio
import CompioScenarios
import CompioSim
import Glibc
import Testing

/// A connected Unix stream pair at `path`: (client, accepted server, listener).
private func unixPair(_ h: SimHarness, _ path: String) throws -> (client: Int32, server: Int32, listener: Int32) {
    let address = SimAddress("unix:\(path)")!
    let listener = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
    _ = try h.run(.bind(fd: listener, address: address.buffer()))
    _ = try h.run(.listen(fd: listener, backlog: 4))
    let client = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
    _ = try h.run(.connect(fd: client, address: address.buffer()))
    let server = try h.open(.accept(fd: listener, peer: nil))
    return (client, server, listener)
}

/// A `recvmsg` with `room` bytes of control buffer.
private func receiveMessage(_ h: SimHarness, _ fd: Int32, room: Int) throws -> (count: Int, message: MessageBuffer) {
    let message = MessageBuffer(buffers: OpBufferVector([OpBuffer(IOBuffer(capacity: 64))]), control: OpBuffer(IOBuffer(capacity: max(room, 1)), count: room))
    return (try h.run(.recvMessage(fd: fd, message: message, flags: 0)).result.get(), message)
}

/// SCM_RIGHTS in the simulated kernel, where descriptor numbers are
/// deterministic (the kernel tests of the same behaviour are the
/// `passed-descriptors` conformance scenario).
@Suite struct SimControlDataTests {
    /// Received descriptors take the lowest free numbers, in message order,
    /// when the message is received (not when it is sent).
    @Test(arguments: SimSeeds.seeds(defaultCount: 16))
    func receivedDescriptorsTakeTheLowestFreeNumbers(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let (client, server, listener) = try unixPair(h, "/rights.sock")
        let pipe = h.driver.makePipe()
        let gap = try h.open(.socket(domain: AF_INET, type: CLINUX_SOCK_DGRAM, protocol: 0))
        #expect(try h.run(.sendMessage(fd: client, message: Scenario.rightsMessage(Array("ab".utf8), passing: [pipe.write, pipe.read]), flags: 0)).result.get() == 2)
        try h.close(pipe.write)
        try h.close(pipe.read)
        try h.close(gap)
        let before = h.driver.openDescriptors
        let lowest = (Int32(0)...).lazy.filter { !before.contains($0) }.prefix(2)
        let (count, message) = try receiveMessage(h, server, room: clinux_cmsg_space(2 * MemoryLayout<Int32>.size))
        #expect(count == 2)
        let passed = Scenario.receivedDescriptors(message)
        #expect(passed == Array(lowest), "got \(passed), open before: \(before)")
        // The passed write end still writes into the passed read end.
        _ = try h.run(.write(fd: passed[0], buffer: OpBuffer(buffer("pipe"))))
        let into = IOBuffer(capacity: 8)
        #expect(try h.run(.read(fd: passed[1], buffer: OpBuffer(into))).result.get() == 4)
        for fd in passed + [client, server, listener] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    /// MSG_CTRUNC closes what did not fit; dropped and unreceived messages
    /// close theirs, so only the descriptors actually received stay open.
    @Test(arguments: SimSeeds.seeds(defaultCount: 16))
    func descriptorsThatAreNotReceivedAreClosed(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let (client, server, listener) = try unixPair(h, "/rights.sock")
        let first = h.driver.makePipe(), second = h.driver.makePipe(), third = h.driver.makePipe()
        _ = try h.run(.sendMessage(fd: client, message: Scenario.rightsMessage([1], passing: [first.write, second.write]), flags: 0))
        _ = try h.run(.sendMessage(fd: client, message: Scenario.rightsMessage([2], passing: [third.write]), flags: 0))
        for fd in [first.write, second.write, third.write] { try h.close(fd) }
        let open = h.driver.openDescriptors
        let (count, message) = try receiveMessage(h, server, room: clinux_cmsg_len(MemoryLayout<Int32>.size))
        #expect(count == 1, "a read ends with the bytes that carried descriptors")
        #expect(message.receivedFlags & CLINUX_MSG_CTRUNC != 0)
        let kept = Scenario.receivedDescriptors(message)
        #expect(kept.count == 1)
        #expect(h.driver.openDescriptors == (open + kept).sorted())
        // The second write end was closed with the truncation: its pipe reads end of file.
        #expect(try h.run(.read(fd: second.read, buffer: OpBuffer(IOBuffer(capacity: 4)))).result.get() == 0)
        // The third message is never received: closing the socket closes its descriptor.
        try h.close(server)
        #expect(try h.run(.read(fd: third.read, buffer: OpBuffer(IOBuffer(capacity: 4)))).result.get() == 0)
        for fd in kept + [first.read, second.read, third.read, client, listener] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    /// Datagrams carry descriptors too, one message each.
    @Test(arguments: SimSeeds.seeds(defaultCount: 8))
    func datagramsPassDescriptors(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let receiver = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_DGRAM, protocol: 0))
        _ = try h.run(.bind(fd: receiver, address: SimAddress("unix:/d.sock")!.buffer()))
        let sender = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_DGRAM, protocol: 0))
        let pipe = h.driver.makePipe()
        let message = Scenario.rightsMessage(Array("dgram".utf8), passing: [pipe.write], to: SimAddress("unix:/d.sock")!.buffer())
        #expect(try h.run(.sendMessage(fd: sender, message: message, flags: 0)).result.get() == 5)
        try h.close(pipe.write)
        let (count, received) = try receiveMessage(h, receiver, room: clinux_cmsg_space(MemoryLayout<Int32>.size))
        #expect(count == 5 && received.receivedFlags == 0)
        let passed = Scenario.receivedDescriptors(received)
        #expect(passed.count == 1)
        try h.close(passed[0])
        #expect(try h.run(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 4)))).result.get() == 0)
        for fd in [receiver, sender, pipe.read] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }
}
