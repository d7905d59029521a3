import Compio
@testable import CompioSim
import Glibc
import Testing

/// `SimOpNames`: each op kind's trace name is digested once per driver, and
/// must be the name ``Op/name`` gives, whatever kind came first.
@Suite struct SimOpNamesTests {
    @Test func everyKindGetsItsOwnNameInAnyOrder() throws {
        let buffer = IOBuffer(capacity: 8)
        let vector = OpBufferVector([OpBuffer(buffer)])
        let ops: [Op] = [
            .nop,
            .read(fd: 3, buffer: OpBuffer(buffer)),
            .readAt(fd: 3, buffer: OpBuffer(buffer), offset: 0),
            .write(fd: 3, buffer: OpBuffer(buffer)),
            .writeAt(fd: 3, buffer: OpBuffer(buffer), offset: 0),
            .readVectoredAt(fd: 3, buffers: vector, offset: 0),
            .writeVectoredAt(fd: 3, buffers: vector, offset: 0),
            .sync(fd: 3, dataOnly: false),
            .sync(fd: 3, dataOnly: true),
            .close(fd: 3),
            .metadata(fd: 3, into: MetadataBuffer()),
            .truncate(fd: 3, length: 0),
            .openAt(directory: AT_FDCWD, path: try OpPath("f"), flags: O_RDONLY, mode: 0),
            .listen(fd: 3, backlog: 1),
            .accept(fd: 3, peer: nil),
            .connect(fd: 3, address: SocketAddressBuffer()),
            .send(fd: 3, buffer: OpBuffer(buffer), flags: 0),
            .recv(fd: 3, buffer: OpBuffer(buffer), flags: 0),
            .shutdown(fd: 3, how: Int32(SHUT_RDWR)),
            .socketAddress(fd: 3, into: SocketAddressBuffer(), peer: true),
            .socketAddress(fd: 3, into: SocketAddressBuffer(), peer: false),
            .pollOnce(fd: 3, events: UInt32(POLLIN)),
        ]
        // Two orders: a name cached under a shared index would come back for
        // the other kind in one of them.
        for order in [ops, ops.reversed()] {
            var names = SimOpNames()
            for _ in 0..<2 {
                for op in order {
                    #expect(names.name(of: op).text == op.name)
                    #expect(names.name(of: op).digest == SimTraceName(op.name).digest)
                }
            }
        }
        let indexes = Set(ops.map(SimOpNames.index(of:)))
        #expect(indexes.count == Set(ops.map(\.name)).count)
        #expect(indexes.allSatisfy { (0..<SimOpNames.kinds).contains($0) })
    }
}
