import CLinux
import Compio
import Glibc

extension Scenario {
    /// Unix-domain sockets through the public net API and raw ops: stream
    /// connections on a path (addresses, both directions, half-close, end of
    /// stream), the errors of missing, taken and stale paths, an abstract name,
    /// and datagrams between paths. A conformance check: the kernel tests and
    /// CompioSim run it with the same assertions.
    public static let unixSockets = Scenario(
        name: "unix-sockets", summary: "Unix stream and datagram sockets, paths, abstract names and their errors"
    ) { context in
        try await unixStreams(context)
        try await unixAbstractName(context)
        try await unixDatagrams(context)
    }

    private static func unixStreams(_ context: ScenarioContext) async throws {
        let path = context.path("stream.sock")
        try await expectError(context, ENOENT, "connect to a missing path") { () async throws(IOError) in _ = try await UnixStream.connect(path: path) }
        let listener = try await UnixListener.bind(path: path)
        let name = try SocketAddress.unix(path: path)
        let unnamed = try SocketAddress.unix(path: "")
        let bound = try await listener.localAddress
        try context.check(bound == name, "listener bound to \(bound)")
        try await expectError(context, EADDRINUSE, "bind to a taken path") { () async throws(IOError) in _ = try await UnixListener.bind(path: path) }
        let client = try await UnixStream.connect(path: path)
        let (server, peer) = try await listener.accept()
        try context.check(peer == unnamed, "accept reported the unbound client as \(peer)")
        let (clientPeer, clientName, serverName) = (try await client.peerAddress, try await client.localAddress, try await server.localAddress)
        try context.check(clientPeer == name, "client's peer is \(clientPeer)")
        try context.check(clientName == unnamed, "unbound client is named \(clientName)")
        try context.check(serverName == name, "accepted socket is named \(serverName)")

        let message = Array("over a unix stream".utf8)
        _ = try await client.writeAll(OwnedBuffer(message)).get()
        let got = await server.readExact(into: OwnedBuffer(capacity: message.count))
        try context.check(try got.result.get() == message.count && got.buffer.bytes == message, "server read \(got.buffer.bytes)")
        try await client.shutdown(.write)
        let halfClosed = try await server.read(OwnedBuffer(capacity: 8)).get()
        try context.check(halfClosed == 0, "no end of stream after the client's half-close")
        _ = try await server.writeAll(OwnedBuffer(Array("bye".utf8))).get()
        let bye = await client.readExact(into: OwnedBuffer(capacity: 3))
        try context.check(try bye.result.get() == 3 && bye.buffer.bytes == Array("bye".utf8), "client read \(bye.buffer.bytes)")
        try await server.close()
        let closed = try await client.read(OwnedBuffer(capacity: 8)).get()
        try context.check(closed == 0, "no end of stream after the server closed")
        try await client.close()

        // The path outlives the listener: connecting now is refused.
        try await listener.close()
        try await expectError(context, ECONNREFUSED, "connect to a path nobody listens on") { () async throws(IOError) in
            _ = try await UnixStream.connect(path: path)
        }
        try await context.removeFile("stream.sock")
    }

    /// A listener in the abstract namespace (no file), found by its name.
    private static func unixAbstractName(_ context: ScenarioContext) async throws {
        let name = abstractAddress(Array(context.path("abstract").utf8))
        let listener = try context.adopt(try await context.run { .socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0) }).get()
        _ = try await context.run(listener) { .bind(fd: $0, address: name) }.result.get()
        _ = try await context.run(listener) { .listen(fd: $0, backlog: 4) }.result.get()
        let local = SocketAddressBuffer()
        _ = try await context.run(listener) { .socketAddress(fd: $0, into: local, peer: false) }.result.get()
        try context.check(local.length.pointee == name.length.pointee, "abstract name reported with length \(local.length.pointee), bound with \(name.length.pointee)")
        let client = try context.adopt(try await context.run { .socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0) }).get()
        _ = try await context.run(client) { .connect(fd: $0, address: name) }.result.get()
        let server = try await context.accept(listener).get()
        _ = await context.sendAll(client, Array("abc".utf8))
        let got = try await context.receive(server, upTo: 3).get()
        try context.check(got == Array("abc".utf8), "bytes over the abstract-name connection: \(got)")
        for socket in [client, server, listener] { try await context.close(socket) }
    }

    private static func unixDatagrams(_ context: ScenarioContext) async throws {
        let aPath = context.path("a.dgram"), bPath = context.path("b.dgram")
        let a = try await unixDatagramSocket(context, bound: aPath)
        let b = try await unixDatagramSocket(context, bound: bPath)
        let unbound = try await unixDatagramSocket(context, bound: nil)
        let bAddress = try SocketAddress.unix(path: bPath).opBuffer()
        let payload = IOBuffer(bytes: Array("datagram".utf8))
        for sender in [a, unbound] {
            let sent = try await context.run(sender) { .sendTo(fd: $0, buffer: OpBuffer(payload), flags: 0, address: bAddress) }.result.get()
            try context.check(sent == 8, "sendto a path sent \(sent) bytes")
        }
        for (sender, expected) in [(aPath, 8), ("", 8)] {
            let buffer = IOBuffer(capacity: 16)
            let source = SocketAddressBuffer()
            let n = try await context.run(b) { .recvFrom(fd: $0, buffer: OpBuffer(buffer), flags: 0, address: source) }.result.get()
            try context.check(n == expected && Array(UnsafeRawBufferPointer(start: buffer.base, count: n)) == Array("datagram".utf8), "received \(n) bytes")
            if sender.isEmpty {
                try context.check(source.length.pointee == 0, "a datagram from an unbound socket has a \(source.length.pointee)-byte source")
            } else {
                let from = try SocketAddress(source)
                try context.check(from == (try SocketAddress.unix(path: sender)), "datagram from \(from)")
            }
        }
        // Errors: no peer, a missing path, a stream socket's path.
        let send = await context.run(unbound) { .send(fd: $0, buffer: OpBuffer(payload), flags: 0) }
        try context.check(send.error == .code(ENOTCONN), "send on an unconnected Unix datagram socket: \(send.result)")
        let missing = try SocketAddress.unix(path: context.path("missing.dgram")).opBuffer()
        let lost = await context.run(a) { .sendTo(fd: $0, buffer: OpBuffer(payload), flags: 0, address: missing) }
        try context.check(lost.error == .code(ENOENT), "sendto a missing path: \(lost.result)")
        let stream = try context.adopt(try await context.run { .socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0) }).get()
        let wrongType = await context.run(stream) { .connect(fd: $0, address: bAddress) }
        try context.check(wrongType.error == .code(EPROTOTYPE), "stream connect to a datagram path: \(wrongType.result)")
        for socket in [a, b, unbound, stream] { try await context.close(socket) }
        try await context.removeFile("a.dgram")
        try await context.removeFile("b.dgram")
    }

    private static func unixDatagramSocket(_ context: ScenarioContext, bound path: String?) async throws -> SharedDescriptor {
        let socket = try context.adopt(try await context.run { .socket(domain: AF_UNIX, type: CLINUX_SOCK_DGRAM, protocol: 0) }).get()
        if let path {
            let address = try SocketAddress.unix(path: path).opBuffer()
            _ = try await context.run(socket) { .bind(fd: $0, address: address) }.result.get()
        }
        return socket
    }

    /// A `sockaddr_un` in the abstract namespace: a NUL, then `name`.
    static func abstractAddress(_ name: [UInt8]) -> SocketAddressBuffer {
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        let bytes = [0] + name.prefix(MemoryLayout.size(ofValue: sun.sun_path) - 1)
        withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafeBytes(of: sun) { SocketAddressBuffer(copying: $0.baseAddress!, length: MemoryLayout<sa_family_t>.size + bytes.count) }
    }

    /// Fails the scenario unless `body` throws `errno`.
    static func expectError(_ context: ScenarioContext, _ errno: Int32, _ what: String, _ body: () async throws(IOError) -> Void) async throws {
        var failure: IOError?
        do throws(IOError) {
            try await body()
        } catch {
            failure = error
        }
        try context.check(failure == .code(errno), "\(what): \(failure.map { "\($0)" } ?? "success"), expected errno \(errno)")
    }
}
