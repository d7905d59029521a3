import CLinux
import Compio
import CompioSim
import Glibc
import Testing

/// IPv6 in the simulated network.
@Suite struct SimIPv6Tests {
    /// Hosts are reachable at their IPv6 addresses too, and a sockaddr_in6 comes back as the kernel writes it.
    @Test(arguments: SimSeeds.seeds(defaultCount: 16))
    func ipv6BetweenTwoHosts(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        h.driver.addHost("fd00::10.0.0.2")
        let listener = try h.open(.socket(domain: AF_INET6, type: CLINUX_SOCK_STREAM, protocol: 0))
        _ = try h.run(.bind(fd: listener, address: SimAddress("[fd00::a00:1]:80")!.buffer()))
        _ = try h.run(.listen(fd: listener, backlog: 4))
        let client = try h.open(.socket(domain: AF_INET6, type: CLINUX_SOCK_STREAM, protocol: 0))
        _ = try h.run(.bind(fd: client, address: SimAddress("[fd00::10.0.0.2]:0")!.buffer()))
        let peer = SocketAddressBuffer()
        let accepting = h.start(.accept(fd: listener, peer: peer))
        #expect(try h.run(.connect(fd: client, address: SimAddress("[fd00::a00:1]:80")!.buffer())).result.get() == 0)
        let server = try #require(try h.wait(accepting).descriptor?.take())
        #expect(Int(peer.length.pointee) == MemoryLayout<sockaddr_in6>.size)
        #expect(peer.family == AF_INET6)
        #expect(SimAddress(peer) == .ipv6(SimAddress.ipv6(ofHost: 0x0A00_0002), port: 40_000))
        #expect(try SocketAddress(peer) == SocketAddress(parsing: "[fd00::a00:2]:40000"))
        // An IPv6 address outside the simulated hosts' prefix names no host.
        let stray = try h.open(.socket(domain: AF_INET6, type: CLINUX_SOCK_DGRAM, protocol: 0))
        #expect(try h.run(.bind(fd: stray, address: SimAddress("[2001:db8::1]:53")!.buffer())).error == .code(EADDRNOTAVAIL))
        // An unbound IPv6 socket reports [::]:0 in a full sockaddr_in6.
        let name = SocketAddressBuffer()
        _ = try h.run(.socketAddress(fd: stray, into: name, peer: false))
        #expect(Int(name.length.pointee) == MemoryLayout<sockaddr_in6>.size)
        #expect(SimAddress(name) == .ipv6(0, port: 0))
        for fd in [server, client, listener, stray] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    @Test func addressesParseAndPrint() throws {
        #expect(SimAddress("[::1]:80") == .ipv6(1, port: 80))
        #expect(SimAddress("fd00::10.0.0.2") == .ipv6(SimAddress.ipv6(ofHost: 0x0A00_0002), port: 0))
        #expect(SimAddress("10.0.0.2:7") == SimAddress(ip: 0x0A00_0002, port: 7))
        #expect(SimAddress("unix:/run/x.sock") == .unix(.path("/run/x.sock")))
        #expect(SimAddress("[fd00::a00:2]:9")?.description == "[fd00::a00:2]:9")
        #expect(SimAddress("10.0.0") == nil)
        #expect(SimAddress("[::1]x") == nil)
    }
}
