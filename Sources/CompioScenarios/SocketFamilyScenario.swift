import CLinux
import Compio
import Glibc

extension Scenario {
    /// IPv6 TCP and UDP through the public net API (addresses as the kernel
    /// writes them back, options, half-close), and the errors Linux gives a
    /// socket handed an address of the other IP family. A conformance check:
    /// the kernel tests and CompioSim run it with the same assertions.
    public static let ipv6Sockets = Scenario(
        name: "ipv6-sockets", summary: "IPv6 TCP and UDP, and IPv4/IPv6 address family mismatches"
    ) { context in
        try await ipv6Stream(context)
        try await ipv6Datagrams(context)
        try await familyMismatches(context)
    }

    private static func ipv6Stream(_ context: ScenarioContext) async throws {
        let listener = try await TcpListener.bind(try SocketAddress(parsing: "[::1]:0"))
        let address = try await listener.localAddress
        try context.check(address.family == AF_INET6 && address.port != 0, "IPv6 listener bound to \(address)")
        let server = context.runtime.spawn { () async throws -> SocketAddress in
            let (stream, peer) = try await listener.accept()
            let got = await stream.readExact(into: OwnedBuffer(capacity: 5))
            try context.check(try got.result.get() == 5 && got.buffer.bytes == Array("hello".utf8), "server read \(got.buffer.bytes)")
            _ = try await stream.writeAll(OwnedBuffer(Array("world".utf8))).get()
            let end = try await stream.read(OwnedBuffer(capacity: 8)).get()
            try context.check(end == 0, "server read \(end) bytes after the client's half-close, not end of stream")
            try await stream.close()
            return peer
        }
        let client = try await TcpStream.connect(to: address)
        let local = try await client.localAddress
        let peer = try await client.peerAddress
        try context.check(local.family == AF_INET6 && local.port != 0, "IPv6 client bound to \(local)")
        try context.check(peer == address, "client's peer is \(peer), not the listener's \(address)")
        try await client.setOption(.keepAlive, to: true)
        try context.check(try await client.option(.keepAlive), "SO_KEEPALIVE did not read back as set")
        _ = try await client.writeAll(OwnedBuffer(Array("hello".utf8))).get()
        let back = await client.readExact(into: OwnedBuffer(capacity: 5))
        try context.check(try back.result.get() == 5 && back.buffer.bytes == Array("world".utf8), "client read \(back.buffer.bytes)")
        try await client.shutdown(.write)
        let accepted = try await server.value
        try context.check(accepted == local, "server saw the client as \(accepted), the client is \(local)")
        try await client.close()
        try await listener.close()
    }

    private static func ipv6Datagrams(_ context: ScenarioContext) async throws {
        let loopback = try SocketAddress(parsing: "[::1]:0")
        let a = try await UdpSocket.bind(loopback)
        let b = try await UdpSocket.bind(loopback)
        let aAddress = try await a.localAddress
        let bAddress = try await b.localAddress
        try context.check(aAddress.family == AF_INET6 && bAddress.family == AF_INET6, "UDP sockets bound to \(aAddress), \(bAddress)")
        _ = try await a.send(OwnedBuffer(Array("ping".utf8)), to: bAddress).get()
        let got = await b.receiveFrom(OwnedBuffer(capacity: 16))
        let (count, sender) = try got.result.get()
        try context.check(count == 4 && got.buffer.bytes.prefix(4).elementsEqual("ping".utf8), "received \(got.buffer.bytes)")
        try context.check(sender == aAddress, "datagram from \(sender), sent by \(aAddress)")
        try await b.connect(to: aAddress)
        _ = try await b.send(OwnedBuffer(Array("pong".utf8))).get()
        let reply = await a.receiveFrom(OwnedBuffer(capacity: 16))
        try context.check(try reply.result.get().sender == bAddress, "reply from the connected socket came from elsewhere")
        try await a.close()
        try await b.close()
    }

    /// What Linux answers (see `SimDriver.address(_:for:_:)` for the kernel
    /// functions): an IPv4 socket given an IPv6 address fails with
    /// `EAFNOSUPPORT`; an IPv6 socket given a `sockaddr_in` with `EINVAL`
    /// (the address is shorter than any IPv6 one), except that an IPv6 UDP
    /// socket is dual-stack. CompioSim does not simulate dual stack, so that
    /// case is checked with `IPV6_V6ONLY` set, where Linux refuses.
    private static func familyMismatches(_ context: ScenarioContext) async throws {
        let v6 = try SocketAddress(parsing: "[::1]:9").opBuffer()
        let v4 = SocketAddress.loopback(port: 9).opBuffer()
        let cases: [(domain: Int32, type: Int32, op: String, expected: Int32)] = [
            (AF_INET, CLINUX_SOCK_STREAM, "bind", EAFNOSUPPORT), (AF_INET, CLINUX_SOCK_STREAM, "connect", EAFNOSUPPORT),
            (AF_INET, CLINUX_SOCK_DGRAM, "bind", EAFNOSUPPORT), (AF_INET, CLINUX_SOCK_DGRAM, "connect", EAFNOSUPPORT),
            (AF_INET, CLINUX_SOCK_DGRAM, "sendto", EAFNOSUPPORT),
            (AF_INET6, CLINUX_SOCK_STREAM, "bind", EINVAL), (AF_INET6, CLINUX_SOCK_STREAM, "connect", EINVAL),
            (AF_INET6, CLINUX_SOCK_DGRAM, "bind", EINVAL),
            (AF_INET6, CLINUX_SOCK_DGRAM, "connect", EAFNOSUPPORT), (AF_INET6, CLINUX_SOCK_DGRAM, "sendto", ENETUNREACH),
        ]
        let v6only = IOBuffer(bytes: withUnsafeBytes(of: Int32(1)) { Array($0) })
        for c in cases {
            let socket = try context.adopt(try await context.run { .socket(domain: c.domain, type: c.type, protocol: 0) }).get()
            if c.domain == AF_INET6 {
                _ = try await context.run(socket) {
                    .setSocketOption(fd: $0, level: CLINUX_IPPROTO_IPV6, name: IPV6_V6ONLY, value: OpBuffer(v6only))
                }.result.get()
            }
            let other = c.domain == AF_INET ? v6 : v4
            let payload = IOBuffer(bytes: Array("x".utf8))
            let completion = await context.run(socket) { fd -> Op in
                switch c.op {
                case "bind": .bind(fd: fd, address: other)
                case "connect": .connect(fd: fd, address: other)
                default: .sendTo(fd: fd, buffer: OpBuffer(payload), flags: CLINUX_MSG_NOSIGNAL, address: other)
                }
            }
            let family = c.domain == AF_INET ? "IPv4" : "IPv6"
            try context.check(completion.error == .code(c.expected), "\(c.op) of an \(family) socket (type \(c.type)) to the other family: \(completion.result), expected errno \(c.expected)")
            try await context.close(socket)
        }
    }
}
