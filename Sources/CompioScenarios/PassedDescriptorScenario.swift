import CLinux
import Compio
import Glibc

extension Scenario {
    /// Descriptors passed with `SCM_RIGHTS` over a Unix stream, with Linux's
    /// semantics: the receiver gets working descriptors; a control buffer too
    /// small gets `MSG_CTRUNC` and the descriptors that did not fit are closed;
    /// a receive without a control buffer, or a receiving socket closed with
    /// the message unread, closes them too. Each passed descriptor is one end
    /// of another Unix connection, so its closing shows as end of stream at
    /// the other end. A conformance check: the kernel tests and CompioSim run
    /// it with the same assertions.
    public static let passedDescriptors = Scenario(
        name: "passed-descriptors", summary: "SCM_RIGHTS over Unix streams: delivery, MSG_CTRUNC, descriptors dropped unread"
    ) { context in
        let path = context.path("rights.sock")
        let listener = try await UnixListener.bind(path: path)
        let (sender, receiver) = try await unixPair(listener, path)
        let one = MemoryLayout<Int32>.size

        // Room for the descriptor: it arrives and works.
        var (kept, keptPeer) = try await unixPair(listener, path)
        try await sendPassing(context, sender, "fd!", [kept.socket.descriptor.raw])
        try await kept.close()
        var got = try await receivePassed(context, receiver, room: clinux_cmsg_space(one))
        try context.check(got.bytes == Array("fd!".utf8) && got.descriptors.count == 1, "received \(got.bytes) with \(got.descriptors.count) descriptors")
        try context.check(got.controlLength == clinux_cmsg_space(one) && got.flags & CLINUX_MSG_CTRUNC == 0,
                          "control length \(got.controlLength), flags \(got.flags)")
        try await expectConnected(context, got.descriptors[0], to: keptPeer)

        // Two descriptors, room for one: MSG_CTRUNC, and the second is closed.
        (kept, keptPeer) = try await unixPair(listener, path)
        let (dropped, droppedPeer) = try await unixPair(listener, path)
        try await sendPassing(context, sender, "two", [kept.socket.descriptor.raw, dropped.socket.descriptor.raw])
        try await kept.close()
        try await dropped.close()
        got = try await receivePassed(context, receiver, room: clinux_cmsg_len(one))
        try context.check(got.descriptors.count == 1 && got.flags & CLINUX_MSG_CTRUNC != 0, "\(got.descriptors.count) descriptors, flags \(got.flags)")
        try context.check(got.controlLength == clinux_cmsg_len(one), "control length \(got.controlLength) for a buffer of \(clinux_cmsg_len(one))")
        try await expectConnected(context, got.descriptors[0], to: keptPeer)
        try await expectEnd(context, droppedPeer, "the descriptor that did not fit")

        // Received without a control buffer: the descriptor is closed.
        let (plain, plainPeer) = try await unixPair(listener, path)
        try await sendPassing(context, sender, "plain", [plain.socket.descriptor.raw])
        try await plain.close()
        let bytes = try await context.receive(receiver.socket.descriptor, upTo: 16).get()
        try context.check(bytes == Array("plain".utf8), "plain receive got \(bytes)")
        try await expectEnd(context, plainPeer, "a descriptor received by a plain recv")

        // A descriptor that is not open is EBADF; SCM_RIGHTS on a UDP socket is ignored.
        let bad = await sendPassingResult(context, sender.socket.descriptor, "bad", [1_000_000], to: nil)
        try context.check(bad.error == .code(EBADF), "passing a closed descriptor: \(bad.result)")
        try await udpIgnoresRights(context, passing: receiver.socket.descriptor.raw)

        // Never received: closed when the receiving socket goes away.
        let (lost, lostPeer) = try await unixPair(listener, path)
        try await sendPassing(context, sender, "lost", [lost.socket.descriptor.raw])
        try await lost.close()
        try await receiver.close()
        try await expectEnd(context, lostPeer, "a descriptor in a message never received")
        try await sender.close()
        try await listener.close()
        try await context.removeFile("rights.sock")
    }

    /// A connected pair through `listener`: the connecting end and the accepted one.
    private static func unixPair(_ listener: UnixListener, _ path: String) async throws -> (UnixStream, UnixStream) {
        let client = try await UnixStream.connect(path: path)
        let (server, _) = try await listener.accept()
        return (client, server)
    }

    private static func sendPassing(_ context: ScenarioContext, _ stream: UnixStream, _ text: String, _ descriptors: [Int32]) async throws {
        let sent = try await sendPassingResult(context, stream.socket.descriptor, text, descriptors, to: nil).result.get()
        try context.check(sent == text.utf8.count, "sent \(sent) of \(text.utf8.count) bytes with descriptors")
    }

    /// `sendmsg` of `text` with one `SCM_RIGHTS` message naming `descriptors`.
    private static func sendPassingResult(
        _ context: ScenarioContext, _ socket: SharedDescriptor, _ text: String, _ descriptors: [Int32], to address: SocketAddressBuffer?
    ) async -> Completion {
        let message = rightsMessage(Array(text.utf8), passing: descriptors, to: address)
        return await context.run(socket) { .sendMessage(fd: $0, message: message, flags: CLINUX_MSG_NOSIGNAL) }
    }

    /// A message of `bytes` (to `address`, if given) whose control data is
    /// one `SCM_RIGHTS` message naming `descriptors`.
    public static func rightsMessage(_ bytes: [UInt8], passing descriptors: [Int32], to address: SocketAddressBuffer? = nil) -> MessageBuffer {
        let space = clinux_cmsg_space(descriptors.count * MemoryLayout<Int32>.size)
        let control = IOBuffer(capacity: space)
        memset(control.base, 0, space)
        let message = MessageBuffer(
            buffers: OpBufferVector([OpBuffer(IOBuffer(bytes: bytes))]), address: address, control: OpBuffer(control, count: space))
        let header = clinux_cmsg_firsthdr(message.header)!
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = CLINUX_SCM_RIGHTS
        header.pointee.cmsg_len = clinux_cmsg_len(descriptors.count * MemoryLayout<Int32>.size)
        let data = UnsafeMutableRawPointer(clinux_cmsg_data(header)!)
        for (i, fd) in descriptors.enumerated() { data.storeBytes(of: fd, toByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self) }
        return message
    }

    /// The descriptors in the `SCM_RIGHTS` messages a `recvmsg` left in `message`'s control buffer.
    public static func receivedDescriptors(_ message: MessageBuffer) -> [Int32] {
        var descriptors: [Int32] = []
        var cursor = message.receivedControlLength > 0 ? clinux_cmsg_firsthdr(message.header) : nil
        while let header = cursor {
            if header.pointee.cmsg_level == SOL_SOCKET && header.pointee.cmsg_type == CLINUX_SCM_RIGHTS {
                let count = (Int(header.pointee.cmsg_len) - clinux_cmsg_len(0)) / MemoryLayout<Int32>.size
                let fds = UnsafeRawPointer(clinux_cmsg_data(header)!)
                for i in 0..<count { descriptors.append(fds.loadUnaligned(fromByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self)) }
            }
            cursor = clinux_cmsg_nxthdr(message.header, header)
        }
        return descriptors
    }

    /// What a `recvmsg` with `room` bytes of control buffer got: the bytes, the
    /// passed descriptors (adopted, so they are closed when dropped), the
    /// control length and the flags.
    private static func receivePassed(
        _ context: ScenarioContext, _ stream: UnixStream, room: Int
    ) async throws -> (bytes: [UInt8], descriptors: [SharedDescriptor], controlLength: Int, flags: Int32) {
        let data = IOBuffer(capacity: 16)
        let control = IOBuffer(capacity: room)
        let message = MessageBuffer(buffers: OpBufferVector([OpBuffer(data)]), control: OpBuffer(control, count: room))
        let n = try await context.run(stream.socket.descriptor) { .recvMessage(fd: $0, message: message, flags: 0) }.result.get()
        let descriptors = receivedDescriptors(message).map { SharedDescriptor($0, closer: context.world.closer) }
        return (Array(UnsafeRawBufferPointer(start: data.base, count: n)), descriptors, message.receivedControlLength, message.receivedFlags)
    }

    /// `passed` is a working end of the connection whose other end is `peer`:
    /// bytes go through, and closing it ends `peer`'s stream.
    private static func expectConnected(_ context: ScenarioContext, _ passed: SharedDescriptor, to peer: UnixStream) async throws {
        _ = await context.sendAll(passed, Array("through".utf8))
        let got = try await context.receive(peer.socket.descriptor, upTo: 7).get()
        try context.check(got == Array("through".utf8), "bytes through the passed descriptor: \(got)")
        try await context.close(passed)
        try await expectEnd(context, peer, "the passed descriptor, closed")
    }

    /// `peer` reads end of stream: the other end (`what`) was closed, then closes it.
    private static func expectEnd(_ context: ScenarioContext, _ peer: UnixStream, _ what: String) async throws {
        let end = await context.receive(peer.socket.descriptor, upTo: 8)
        try context.check((try? end.get()) == [], "the peer of \(what) read \(end), not end of stream")
        try await peer.close()
    }

    /// `SCM_RIGHTS` on an IP socket is ignored (`ip_cmsg_send` passes
    /// `SOL_SOCKET` messages to `__sock_cmsg_send`, which does not know it):
    /// the datagram goes out, and its `recvmsg` gets no control data.
    private static func udpIgnoresRights(_ context: ScenarioContext, passing fd: Int32) async throws {
        let udp = try await UdpSocket.bind(.loopback(port: 0))
        let address = try await udp.localAddress.opBuffer()
        let sent = await sendPassingResult(context, udp.socket.descriptor, "udp", [fd], to: address)
        try context.check(sent.error == nil, "SCM_RIGHTS on UDP: \(sent.result)")
        let control = IOBuffer(capacity: 64)
        let message = MessageBuffer(buffers: OpBufferVector([OpBuffer(IOBuffer(capacity: 16))]), control: OpBuffer(control, count: 64))
        let n = try await context.run(udp.socket.descriptor) { .recvMessage(fd: $0, message: message, flags: 0) }.result.get()
        try context.check(n == 3 && message.receivedControlLength == 0, "UDP recvmsg: \(n) bytes, control length \(message.receivedControlLength)")
        try await udp.close()
    }
}
