import CLinux
import Compio
import Glibc

/// Ancillary data of `sendmsg`/`recvmsg` (`cmsg(3)`).
///
/// Simulated: `SCM_RIGHTS` over Unix sockets, with Linux's semantics. The
/// sender's descriptors are resolved when the message is sent (`EBADF` for a
/// number that is not open) and their open files travel with the bytes, so the
/// sender may close its numbers at once. The receiver gets new descriptors at
/// the lowest free numbers when it receives the message; if its control buffer
/// is too small the message is flagged `MSG_CTRUNC` and the descriptors that
/// did not fit are closed (`scm_detach_fds`); a receive without a control
/// buffer (`recv`, `read`) closes them all. Descriptors in messages never
/// received are closed when the receiving socket goes away.
///
/// Not simulated: every other control message. On Unix sockets
/// `SCM_CREDENTIALS` is accepted and dropped, other levels are ignored as
/// Linux ignores them. On IP sockets well-formed control messages sent are
/// ignored (Linux ignores `SCM_RIGHTS` there too; the kernel tests check it;
/// `IP_PKTINFO`, `IP_TOS` and the like would have effects not simulated), and
/// none are ever received: `msg_controllen` comes back 0.
extension SimDriver {
    /// Linux's `SCM_MAX_FD`: most descriptors in one message.
    static let maxPassedDescriptors = 253

    /// The open files named by the `SCM_RIGHTS` messages of `message`'s control
    /// data, each with a reference taken for the message, or Linux's error.
    func passedDescriptors(in message: MessageBuffer, on socket: SimSocket) -> Result<[SimOpenFile], IOError> {
        guard message.header.pointee.msg_controllen > 0, message.header.pointee.msg_control != nil else { return .success([]) }
        var numbers: [Int32] = []
        let headerLength = Int(clinux_cmsg_len(0))
        let end = UnsafeRawPointer(message.header.pointee.msg_control!) + message.header.pointee.msg_controllen
        var cursor = clinux_cmsg_firsthdr(message.header)
        while let header = cursor {
            let length = Int(header.pointee.cmsg_len)
            // `CMSG_OK`: a header must fit and describe bytes inside the buffer.
            guard length >= headerLength, UnsafeRawPointer(header) + length <= end else { return .failure(.code(EINVAL)) }
            if header.pointee.cmsg_level == SOL_SOCKET {
                switch header.pointee.cmsg_type {
                case CLINUX_SCM_RIGHTS where socket.isUnix:
                    let data = UnsafeRawPointer(clinux_cmsg_data(header)!)
                    for i in 0..<(length - headerLength) / MemoryLayout<Int32>.size {
                        numbers.append(data.loadUnaligned(fromByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self))
                    }
                case 2 where socket.isUnix:  // SCM_CREDENTIALS: accepted, not simulated.
                    break
                default:
                    if socket.isUnix { return .failure(.code(EINVAL)) }
                }
            }
            cursor = clinux_cmsg_nxthdr(message.header, header)
        }
        if numbers.count > Self.maxPassedDescriptors { return .failure(.code(EINVAL)) }
        var files: [SimOpenFile] = []
        for fd in numbers {
            guard let file = descriptors[fd] else { return .failure(.code(EBADF)) }
            files.append(file)
        }
        for file in files { file.references += 1 }
        return .success(files)
    }

    /// Installs what fits of `rights` in the receiver's control buffer, as
    /// `scm_detach_fds` does, closes the rest, and sets `msg_controllen` and
    /// `MSG_CTRUNC`. Returns the `msg_flags` bits to add.
    func installPassedDescriptors(_ rights: [SimOpenFile], into message: MessageBuffer, key: OpKey) -> Int32 {
        let room = message.header.pointee.msg_control == nil ? 0 : message.header.pointee.msg_controllen
        message.header.pointee.msg_controllen = 0
        guard !rights.isEmpty else { return 0 }
        let headerLength = Int(clinux_cmsg_len(0))
        let fit = room > headerLength ? min(rights.count, (room - headerLength) / MemoryLayout<Int32>.size) : 0
        if fit > 0 {
            let control = message.header.pointee.msg_control!
            let header = control.assumingMemoryBound(to: cmsghdr.self)
            header.pointee.cmsg_len = clinux_cmsg_len(fit * MemoryLayout<Int32>.size)
            header.pointee.cmsg_level = SOL_SOCKET
            header.pointee.cmsg_type = CLINUX_SCM_RIGHTS
            let data = UnsafeMutableRawPointer(clinux_cmsg_data(header)!)
            for (i, file) in rights.prefix(fit).enumerated() {
                let fd = descriptors.install(file)
                dropReference(file)
                data.storeBytes(of: fd, toByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self)
                record(.descriptor, key: key, name: "receive descriptor", value: Int64(fd), detail: "file#\(file.id)")
            }
            message.header.pointee.msg_controllen = min(clinux_cmsg_space(fit * MemoryLayout<Int32>.size), room)
        }
        for file in rights.dropFirst(fit) {
            record(.descriptor, key: key, name: "passed descriptor dropped", value: Int64(file.id), detail: "control buffer too small")
            dropReference(file)
        }
        return fit < rights.count ? CLINUX_MSG_CTRUNC : 0
    }
}
