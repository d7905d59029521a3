import CLinux
import Compio
import Glibc
import Testing

/// Socket options and addresses: ops that never block, so kernel drivers run
/// them inside `push`.
@Suite(.serialized) struct DriverSocketOptionTests {
    private func intBuffer(_ value: Int32) -> IOBuffer {
        IOBuffer(bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    @Test(arguments: TestDrivers.choices)
    func optionsAndAddressesRoundTrip(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        defer { driver.shutdown() }
        let listener = try driver.expectSuccess(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0))
        let server = listener.descriptor!.take()
        defer { Fixture.close(server) }

        let set = driver.push(.setSocketOption(fd: server, level: SOL_SOCKET, name: SO_REUSEADDR, value: OpBuffer(intBuffer(1))))
        guard case .ready(let setDone) = set else { Issue.record("setsockopt must complete inline"); return }
        #expect((try? setDone.result.get()) == 0)

        let readBack = IOBuffer(capacity: 4)
        let get = try driver.run(.getSocketOption(fd: server, level: SOL_SOCKET, name: SO_REUSEADDR, value: OpBuffer(readBack)))
        #expect((try? get.result.get()) == 4)
        readBack.initialized = 4
        #expect(readBack.withBytes { $0.load(as: Int32.self) } == 1)

        try driver.expectSuccess(.bind(fd: server, address: Fixture.loopback(port: 0)))
        try driver.expectSuccess(.listen(fd: server, backlog: 8))
        let local = SocketAddressBuffer()
        try driver.expectSuccess(.socketAddress(fd: server, into: local, peer: false))
        let bound = try SocketAddress(local)
        #expect(bound.port == Fixture.port(of: server) && bound.port != 0)

        let unconnected = try driver.run(.socketAddress(fd: server, into: SocketAddressBuffer(), peer: true))
        #expect(unconnected.error == .errno(.socketNotConnected))

        let client = try driver.expectSuccess(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)).descriptor!.take()
        defer { Fixture.close(client) }
        try driver.expectSuccess(.connect(fd: client, address: bound.opBuffer()))
        let peer = SocketAddressBuffer()
        try driver.expectSuccess(.socketAddress(fd: client, into: peer, peer: true))
        #expect(try SocketAddress(peer) == bound)

        let bad = try driver.run(.setSocketOption(fd: 999_999, level: SOL_SOCKET, name: SO_REUSEADDR, value: OpBuffer(intBuffer(1))))
        #expect(bad.error == .errno(.badFileDescriptor))
    }

    @Test(arguments: TestDrivers.choices)
    func nothingLeaks(_ choice: DriverBuilder.Choice) throws {
        let before = OpenDescriptors.count()
        try optionsAndAddressesRoundTrip(choice)
        #expect(OpenDescriptors.count() == before)
    }
}
