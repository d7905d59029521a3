import Compio
import Glibc

/// What the simulator needs to know about an op before running it: which
/// descriptors it names, which FIFO side it waits on, how slow it is, and which
/// buffers it moves bytes through. One exhaustive switch over ``Op``.
struct SimOpShape {
    /// A descriptor the op names. For `*at` ops an absolute path or
    /// `AT_FDCWD` means the descriptor is not used. Plain values, so copying a
    /// shape retains nothing.
    struct Descriptor {
        let fd: Int32
        let isUsed: Bool

        init(fd: Int32, path: OpPath?) {
            self.fd = fd
            isUsed = path.map { fd != SimOpShape.currentDirectory && $0.cString.pointee != 0x2F } ?? true
        }
    }

    enum Side { case none, read, write, poll }

    enum Speed {
        case instant, fileData, fileSync, namespace, socketSetup, network, blocking

        var nanoseconds: ClosedRange<Int64> {
            switch self {
            case .instant: 0...1_000
            case .fileData: 2_000...80_000
            case .fileSync: 50_000...2_000_000
            case .namespace: 1_000...40_000
            case .socketSetup: 1_000...10_000
            case .network: 1_000...20_000
            case .blocking: 5_000...1_000_000
            }
        }
    }

    static let currentDirectory: Int32 = -100

    /// The descriptors an op names: at most two, kept inline (no array per op).
    struct Descriptors {
        var first: Descriptor?
        var second: Descriptor?
    }

    /// What the simulator needs of an op's data buffers: their total size and
    /// how many owners they hold (counted once at push; no array per op).
    struct Buffers {
        var capacity = 0
        var owners = 0

        init() {}

        static func one(_ buffer: OpBuffer) -> Buffers {
            var b = Buffers()
            b.capacity = buffer.count
            b.owners = buffer.owner == nil ? 0 : 1
            return b
        }

        static func many(_ buffers: [OpBuffer]) -> Buffers {
            var b = Buffers()
            for buffer in buffers {
                b.capacity += buffer.count
                if buffer.owner != nil { b.owners += 1 }
            }
            return b
        }
    }

    var descriptors = Descriptors()
    var side = Side.none
    var speed = Speed.instant
    /// The data buffers' size and owners.
    var buffers = Buffers()
    /// Whether the op transfers bytes through its data buffers (so it can be short).
    var movesBytes = false
    /// Owners held by the op outside `buffers` (a message's control buffer).
    var extraOwners = 0
    /// Whether the kernel may finish the op while an eager push submits it
    /// (see ``completesDuringSubmission(_:)``).
    let mayCompleteDuringSubmission: Bool

    init(_ op: Op) {
        mayCompleteDuringSubmission = Self.completesDuringSubmission(op)
        func fd(_ n: Int32) -> Descriptors { Descriptors(first: Descriptor(fd: n, path: nil)) }
        func at(_ n: Int32, _ p: OpPath) -> Descriptor { Descriptor(fd: n, path: p) }
        switch op {
        case .nop:
            break
        case .read(let f, let b):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .read, .fileData, .one(b), true)
        case .readAt(let f, let b, _):
            (descriptors, speed, buffers, movesBytes) = (fd(f), .fileData, .one(b), true)
        case .write(let f, let b):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .write, .fileData, .one(b), true)
        case .writeAt(let f, let b, _):
            (descriptors, speed, buffers, movesBytes) = (fd(f), .fileData, .one(b), true)
        case .readVectored(let f, let v):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .read, .fileData, .many(v.buffers), true)
        case .readVectoredAt(let f, let v, _):
            (descriptors, speed, buffers, movesBytes) = (fd(f), .fileData, .many(v.buffers), true)
        case .writeVectored(let f, let v):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .write, .fileData, .many(v.buffers), true)
        case .writeVectoredAt(let f, let v, _):
            (descriptors, speed, buffers, movesBytes) = (fd(f), .fileData, .many(v.buffers), true)
        case .sync(let f, _):
            (descriptors, speed) = (fd(f), .fileSync)
        case .openAt(let d, let p, _, _):
            (descriptors, speed) = (Descriptors(first: at(d, p)), .namespace)
        case .close(let f):
            descriptors = fd(f)
        case .metadata(let f, _):
            (descriptors, speed) = (fd(f), .namespace)
        case .metadataAt(let d, let p, _, _), .unlinkAt(let d, let p, _), .makeDirectoryAt(let d, let p, _):
            (descriptors, speed) = (Descriptors(first: at(d, p)), .namespace)
        case .renameAt(let d1, let p1, let d2, let p2), .linkAt(let d1, let p1, let d2, let p2):
            (descriptors, speed) = (Descriptors(first: at(d1, p1), second: at(d2, p2)), .namespace)
        case .symlinkAt(_, let d, let p):
            (descriptors, speed) = (Descriptors(first: at(d, p)), .namespace)
        case .truncate(let f, _):
            (descriptors, speed) = (fd(f), .fileData)
        case .socket:
            speed = .socketSetup
        case .getSocketOption(let f, _, _, _), .setSocketOption(let f, _, _, _), .socketAddress(let f, _, _):
            descriptors = fd(f)
        case .bind(let f, _), .listen(let f, _), .shutdown(let f, _):
            (descriptors, speed) = (fd(f), .socketSetup)
        case .accept(let f, _):
            (descriptors, side, speed) = (fd(f), .read, .network)
        case .connect(let f, _):
            (descriptors, side, speed) = (fd(f), .write, .network)
        case .send(let f, let b, _), .sendTo(let f, let b, _, _):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .write, .network, .one(b), true)
        case .recv(let f, let b, _), .recvFrom(let f, let b, _, _):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .read, .network, .one(b), true)
        case .sendMessage(let f, let m, _):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .write, .network, .many(m.buffers.buffers), true)
            extraOwners = m.control.owner == nil ? 0 : 1
        case .recvMessage(let f, let m, _):
            (descriptors, side, speed, buffers, movesBytes) = (fd(f), .read, .network, .many(m.buffers.buffers), true)
            extraOwners = m.control.owner == nil ? 0 : 1
        case .pollOnce(let f, _):
            (descriptors, side, speed) = (fd(f), .poll, .network)
        case .asyncify:
            speed = .blocking
        }
    }

    /// Ops io_uring may finish inside `io_uring_enter` when it can make
    /// progress at once: a NOP; reads and writes (the page cache, a pipe or
    /// socket buffer with data or room); socket setup, options and addresses;
    /// sends, receives, accepts and polls. Not those that go to io-wq or need
    /// a round trip: fsync, truncate, opens, metadata and namespace ops (path
    /// walks), connect (a handshake), blocking work (the pool). `close` is
    /// already done at push. An op that cannot progress when it runs still
    /// waits, as an armed poll would.
    private static func completesDuringSubmission(_ op: Op) -> Bool {
        switch op {
        case .nop, .read, .readAt, .readVectored, .readVectoredAt, .write, .writeAt, .writeVectored, .writeVectoredAt,
            .socket, .bind, .listen, .shutdown, .getSocketOption, .setSocketOption, .socketAddress,
            .accept, .send, .sendTo, .recv, .recvFrom, .sendMessage, .recvMessage, .pollOnce:
            true
        case .sync, .truncate, .openAt, .close, .metadata, .metadataAt, .unlinkAt, .makeDirectoryAt, .renameAt,
            .symlinkAt, .linkAt, .connect, .asyncify:
            false
        }
    }

    /// Bytes the op may move at most.
    var capacity: Int { buffers.capacity }
    /// Buffer owners the op holds.
    var ownerCount: Int { buffers.owners + extraOwners }
}
