import CLinux
import Compio
import CompioSim
import Glibc
import Testing

@Suite struct SimSocketOptionTests {
    @Test(arguments: SimSeeds.default.prefix(16))
    func optionsAndAddressesInTheSimulatedWorld(seed: UInt64) throws {
        let sim = SimHarness(seed: seed)
        let listener = try sim.run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0))
        let fd = listener.descriptor!.take()
        let one = IOBuffer(bytes: withUnsafeBytes(of: Int32(1)) { Array($0) })
        let set = try sim.run(.setSocketOption(fd: fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: OpBuffer(one)))
        #expect((try? set.result.get()) == 0)
        let back = IOBuffer(capacity: 4)
        let get = try sim.run(.getSocketOption(fd: fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: OpBuffer(back)))
        #expect((try? get.result.get()) == 4)
        back.initialized = 4
        #expect(back.withBytes { $0.load(as: Int32.self) } == 1)
        let address = try SocketAddress(parsing: "10.0.0.1:80")
        _ = try sim.run(.bind(fd: fd, address: address.opBuffer()))
        let local = SocketAddressBuffer()
        _ = try sim.run(.socketAddress(fd: fd, into: local, peer: false))
        #expect(try SocketAddress(local) == address)
        let peer = try sim.run(.socketAddress(fd: fd, into: SocketAddressBuffer(), peer: true))
        #expect(peer.error == .errno(.socketNotConnected))
        _ = try sim.run(.close(fd: fd))
        expectClean(sim.driver)
    }
}
