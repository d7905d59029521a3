#if IOUring
import CLiburing

/// Which io_uring opcodes the running kernel supports, read once at start-up.
///
/// An op whose opcode is missing runs on the thread pool instead, so the driver
/// works on every kernel that can create a ring, just with fewer native ops.
struct IoUringProbe {
    private var supported: [Bool]

    /// Probes `ring`'s kernel. When the kernel cannot be probed (before 5.6) only
    /// `IORING_OP_NOP` is trusted: everything else goes to the pool.
    init(ring: UnsafeMutablePointer<io_uring>) {
        supported = Array(repeating: false, count: 256)
        if let probe = io_uring_get_probe_ring(ring) {
            for op in 0..<256 where curing_probe_supports(probe, Int32(op)) != 0 { supported[op] = true }
            io_uring_free_probe(probe)
        } else {
            supported[Int(IORING_OP_NOP.rawValue)] = true
        }
    }

    /// Whether the kernel supports `opcode`.
    func supports(_ opcode: Int32) -> Bool {
        opcode >= 0 && opcode < 256 && supported[Int(opcode)]
    }

    /// Whether `op` can go to the ring; false sends it to the pool.
    func supports(_ op: Op) -> Bool {
        guard let opcode = Self.opcode(for: op) else { return false }
        return supports(opcode)
    }

    /// The opcode the driver uses for `op`, or `nil` for ops that only ever run on the pool.
    static func opcode(for op: Op) -> Int32? {
        let code: io_uring_op
        switch op {
        case .nop: code = IORING_OP_NOP
        case .read, .readAt: code = IORING_OP_READ
        case .write, .writeAt: code = IORING_OP_WRITE
        case .readVectored, .readVectoredAt: code = IORING_OP_READV
        case .writeVectored, .writeVectoredAt: code = IORING_OP_WRITEV
        case .sync: code = IORING_OP_FSYNC
        case .openAt: code = IORING_OP_OPENAT
        case .close: code = IORING_OP_CLOSE
        case .metadata, .metadataAt: code = IORING_OP_STATX
        case .unlinkAt: code = IORING_OP_UNLINKAT
        case .makeDirectoryAt: code = IORING_OP_MKDIRAT
        case .renameAt: code = IORING_OP_RENAMEAT
        case .symlinkAt: code = IORING_OP_SYMLINKAT
        case .linkAt: code = IORING_OP_LINKAT
        case .truncate: return CURING_OP_FTRUNCATE
        case .socket: code = IORING_OP_SOCKET
        case .listen: return CURING_OP_LISTEN
        case .accept: code = IORING_OP_ACCEPT
        case .connect: code = IORING_OP_CONNECT
        case .send: code = IORING_OP_SEND
        case .recv: code = IORING_OP_RECV
        case .sendTo, .sendMessage: code = IORING_OP_SENDMSG
        case .recvFrom, .recvMessage: code = IORING_OP_RECVMSG
        case .shutdown: code = IORING_OP_SHUTDOWN
        case .pollOnce: code = IORING_OP_POLL_ADD
        case .asyncify, .getSocketOption, .setSocketOption, .socketAddress: return nil
        case .bind:
            // The kernel runs a ring bind to a path on an io-wq worker, which
            // drops its reference to the socket's file some time after the
            // CQE. Closing the socket then leaves it alive for a while: a
            // closed Unix listener still accepted connections (6.18; 5 % of
            // tries in `aClosedUnixListenerRefusesConnectionsAtOnce`). On the
            // pool, `bind(2)` lets go of the file before it returns.
            return nil
        }
        return Int32(code.rawValue)
    }
}
#endif
