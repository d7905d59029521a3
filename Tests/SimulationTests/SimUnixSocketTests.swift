import CLinux
import Compio
import CompioSim
import Glibc
import Testing

/// Unix-domain sockets in the simulated world.
@Suite struct SimUnixSocketTests {
    /// Binding makes a socket file in the simulated file system: stat sees a
    /// socket, open fails, and unlinking it frees the path for a new bind.
    @Test(arguments: SimSeeds.seeds(defaultCount: 8))
    func bindingMakesASocketFile(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let path = try OpPath("/s.sock")
        let first = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
        _ = try h.run(.bind(fd: first, address: SimAddress("unix:/s.sock")!.buffer()))
        let metadata = MetadataBuffer()
        _ = try h.run(.metadataAt(directory: AT_FDCWD, path: path, followSymlinks: true, into: metadata))
        #expect(UInt32(metadata.raw.pointee.stx_mode) & 0o170000 == UInt32(Glibc.S_IFSOCK))
        #expect(try h.run(.openAt(directory: AT_FDCWD, path: path, flags: O_RDONLY, mode: 0)).error == .code(ENXIO))
        try h.close(first)
        let second = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
        #expect(try h.run(.bind(fd: second, address: SimAddress("unix:/s.sock")!.buffer())).error == .code(EADDRINUSE))
        _ = try h.run(.unlinkAt(directory: AT_FDCWD, path: path, removeDirectory: false))
        #expect(try h.run(.bind(fd: second, address: SimAddress("unix:/s.sock")!.buffer())).result.get() == 0)
        // Autobind: binding only the family picks an abstract name.
        let third = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_DGRAM, protocol: 0))
        let family = SocketAddressBuffer()
        UnsafeMutableRawPointer(family.storage).storeBytes(of: sa_family_t(AF_UNIX), as: sa_family_t.self)
        family.length.pointee = socklen_t(MemoryLayout<sa_family_t>.size)
        _ = try h.run(.bind(fd: third, address: family))
        let name = SocketAddressBuffer()
        _ = try h.run(.socketAddress(fd: third, into: name, peer: false))
        #expect(SimAddress(name) == .unix(.abstract(Array("00000".utf8))))
        for fd in [second, third] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }

    /// A full backlog makes a Unix connect wait (Linux blocks it) until an accept makes room.
    @Test(arguments: SimSeeds.seeds(defaultCount: 16))
    func aFullBacklogMakesConnectWait(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let address = SimAddress("unix:/b.sock")!
        let listener = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
        _ = try h.run(.bind(fd: listener, address: address.buffer()))
        _ = try h.run(.listen(fd: listener, backlog: 1))
        let first = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
        #expect(try h.run(.connect(fd: first, address: address.buffer())).result.get() == 0)
        let second = try h.open(.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0))
        let waiting = h.start(.connect(fd: second, address: address.buffer()))
        try h.poll(timeout: .seconds(10))
        #expect(!h.isDone(waiting), "connect finished with the backlog full")
        let accepted = try #require(try h.run(.accept(fd: listener, peer: nil)).descriptor?.take())
        #expect(try h.wait(waiting).result.get() == 0)
        let late = try #require(try h.run(.accept(fd: listener, peer: nil)).descriptor?.take())
        for fd in [first, second, accepted, late, listener] { try h.close(fd) }
        try h.drain()
        expectClean(h.driver)
    }
}
