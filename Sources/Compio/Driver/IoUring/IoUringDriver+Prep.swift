#if IOUring
import CLiburing
import CLinux
import Glibc
import SystemPackage

extension IoUringDriver {
    /// Errors found before an op reaches the kernel: sizes the SQE cannot carry,
    /// and negative offsets (the kernel would read `-1` as "current position").
    static func validate(_ op: Op) -> IOError? {
        let limit = Int(Int32.max)
        switch op {
        case .read(_, let b), .write(_, let b), .send(_, let b, _), .recv(_, let b, _),
            .sendTo(_, let b, _, _), .recvFrom(_, let b, _, _):
            if b.count > limit { return .bufferTooLarge(b.count) }
        case .readAt(_, let b, let offset), .writeAt(_, let b, let offset):
            if b.count > limit { return .bufferTooLarge(b.count) }
            if offset < 0 { return .errno(.invalidArgument) }
        case .readVectored(_, let v), .writeVectored(_, let v):
            if v.totalCount > limit { return .bufferTooLarge(v.totalCount) }
        case .readVectoredAt(_, let v, let offset), .writeVectoredAt(_, let v, let offset):
            if v.totalCount > limit { return .bufferTooLarge(v.totalCount) }
            if offset < 0 { return .errno(.invalidArgument) }
        case .truncate(_, let length):
            if length < 0 { return .errno(.invalidArgument) }
        case .nop, .sync, .openAt, .close, .metadata, .metadataAt, .unlinkAt, .makeDirectoryAt,
            .renameAt, .symlinkAt, .linkAt, .socket, .bind, .listen, .accept, .connect,
            .sendMessage, .recvMessage, .shutdown, .pollOnce, .asyncify, .getSocketOption, .setSocketOption,
            .socketAddress:
            break
        }
        return nil
    }

    /// Fills `sqe` for `op`. Returns the header the driver must keep alive with
    /// the op, for the ops that need one.
    ///
    /// - Precondition: the probe supports `op` (``IoUringProbe/supports(_:)``).
    static func prepare(_ op: Op, into sqe: UnsafeMutablePointer<io_uring_sqe>) -> DatagramHeader? {
        let currentPosition = UInt64.max
        let noSignal = CLINUX_MSG_NOSIGNAL
        let cloexec = CLINUX_SOCK_CLOEXEC
        switch op {
        case .nop:
            io_uring_prep_nop(sqe)
        case .read(let fd, let b):
            io_uring_prep_read(sqe, fd, b.base, UInt32(b.count), currentPosition)
        case .readAt(let fd, let b, let offset):
            io_uring_prep_read(sqe, fd, b.base, UInt32(b.count), UInt64(offset))
        case .write(let fd, let b):
            io_uring_prep_write(sqe, fd, b.base, UInt32(b.count), currentPosition)
        case .writeAt(let fd, let b, let offset):
            io_uring_prep_write(sqe, fd, b.base, UInt32(b.count), UInt64(offset))
        case .readVectored(let fd, let v):
            io_uring_prep_readv(sqe, fd, v.iovecs, UInt32(v.count), currentPosition)
        case .readVectoredAt(let fd, let v, let offset):
            io_uring_prep_readv(sqe, fd, v.iovecs, UInt32(v.count), UInt64(offset))
        case .writeVectored(let fd, let v):
            io_uring_prep_writev(sqe, fd, v.iovecs, UInt32(v.count), currentPosition)
        case .writeVectoredAt(let fd, let v, let offset):
            io_uring_prep_writev(sqe, fd, v.iovecs, UInt32(v.count), UInt64(offset))
        case .sync(let fd, let dataOnly):
            io_uring_prep_fsync(sqe, fd, dataOnly ? CURING_FSYNC_DATASYNC : 0)
        case .openAt(let dir, let path, let flags, let mode):
            io_uring_prep_openat(sqe, dir, path.cString, flags | O_CLOEXEC, mode_t(mode))
        case .close(let fd):
            io_uring_prep_close(sqe, fd)
        case .metadata(let fd, let into):
            curing_prep_statx(
                sqe, fd, curing_empty_path(), CLINUX_AT_EMPTY_PATH, CLINUX_STATX_BASIC_STATS, UnsafeMutableRawPointer(into.raw))
        case .metadataAt(let dir, let path, let follow, let into):
            curing_prep_statx(
                sqe, dir, path.cString, follow ? 0 : CLINUX_AT_SYMLINK_NOFOLLOW, CLINUX_STATX_BASIC_STATS,
                UnsafeMutableRawPointer(into.raw))
        case .unlinkAt(let dir, let path, let removeDirectory):
            io_uring_prep_unlinkat(sqe, dir, path.cString, removeDirectory ? CLINUX_AT_REMOVEDIR : 0)
        case .makeDirectoryAt(let dir, let path, let mode):
            io_uring_prep_mkdirat(sqe, dir, path.cString, mode_t(mode))
        case .renameAt(let fromDir, let from, let toDir, let to):
            io_uring_prep_renameat(sqe, fromDir, from.cString, toDir, to.cString, 0)
        case .symlinkAt(let target, let dir, let link):
            io_uring_prep_symlinkat(sqe, target.cString, dir, link.cString)
        case .linkAt(let fromDir, let from, let toDir, let to):
            io_uring_prep_linkat(sqe, fromDir, from.cString, toDir, to.cString, 0)
        case .truncate(let fd, let length):
            curing_prep_ftruncate(sqe, fd, length)
        case .socket(let domain, let type, let proto):
            io_uring_prep_socket(sqe, domain, type | cloexec, proto, 0)
        case .listen(let fd, let backlog):
            curing_prep_listen(sqe, fd, backlog)
        case .accept(let fd, let peer):
            if let peer {
                peer.resetForReceive()
                io_uring_prep_accept(sqe, fd, peer.sockaddrPointer, peer.length, cloexec)
            } else {
                io_uring_prep_accept(sqe, fd, nil, nil, cloexec)
            }
        case .connect(let fd, let address):
            io_uring_prep_connect(sqe, fd, address.sockaddrPointer, address.length.pointee)
        case .send(let fd, let b, let flags):
            io_uring_prep_send(sqe, fd, b.base, b.count, flags | noSignal)
        case .recv(let fd, let b, let flags):
            io_uring_prep_recv(sqe, fd, b.base, b.count, flags)
        case .sendTo(let fd, let b, let flags, let address):
            let header = DatagramHeader(buffer: b, address: address, receiving: false)
            io_uring_prep_sendmsg(sqe, fd, header.header, UInt32(bitPattern: flags | noSignal))
            return header
        case .recvFrom(let fd, let b, let flags, let address):
            let header = DatagramHeader(buffer: b, address: address, receiving: true)
            io_uring_prep_recvmsg(sqe, fd, header.header, UInt32(bitPattern: flags))
            return header
        case .sendMessage(let fd, let message, let flags):
            message.reset()
            io_uring_prep_sendmsg(sqe, fd, message.header, UInt32(bitPattern: flags | noSignal))
        case .recvMessage(let fd, let message, let flags):
            message.reset()
            io_uring_prep_recvmsg(sqe, fd, message.header, UInt32(bitPattern: flags))
        case .shutdown(let fd, let how):
            io_uring_prep_shutdown(sqe, fd, how)
        case .pollOnce(let fd, let events):
            io_uring_prep_poll_add(sqe, fd, events)
        case .asyncify, .bind:
            preconditionFailure("IoUringDriver: \(op.name) runs on the pool")
        case .getSocketOption, .setSocketOption, .socketAddress:
            preconditionFailure("IoUringDriver: \(op.name) completes inline, never in the ring")
        }
        return nil
    }

    /// Turns a successful result into what the op's caller expects: a new
    /// descriptor owned by the completion, a received address's length.
    static func finishSuccess(_ op: Op, result: Int32, header: DatagramHeader?) -> OwnedDescriptor? {
        switch op {
        case .openAt, .accept, .socket:
            return OwnedDescriptor(result, closer: KernelDescriptorCloser.shared)
        case .recvFrom(_, _, _, let address):
            if let header { address.length.pointee = header.receivedAddressLength }
        case .recvMessage(_, let message, _):
            message.syncReceivedAddress()
        default:
            break
        }
        return nil
    }
}
#endif
