import CLinux
import Glibc

/// A socket address: IPv4, IPv6, or a Unix-domain path.
///
/// A value type over `sockaddr_storage`, so it can be compared, hashed, printed
/// and parsed without touching the network. ``opBuffer()`` hands a copy to an op.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address family and its fields.
    public enum Kind: Sendable, Hashable {
        /// IPv4: four address bytes, host-order port.
        case ipv4(address: (UInt8, UInt8, UInt8, UInt8), port: UInt16)
        /// IPv6: sixteen address bytes, host-order port, scope id.
        case ipv6(address: [UInt8], port: UInt16, scopeID: UInt32)
        /// A Unix-domain socket path (empty for an unnamed socket).
        case unix(path: String)

        /// Same family and same fields.
        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case let (.ipv4(x, p), .ipv4(y, q)): x == y && p == q
            case let (.ipv6(x, p, s), .ipv6(y, q, t)): x == y && p == q && s == t
            case let (.unix(x), .unix(y)): x == y
            default: false
            }
        }

        /// Hashes the family and fields.
        public func hash(into h: inout Hasher) {
            switch self {
            case let .ipv4(a, p): h.combine(4); h.combine([a.0, a.1, a.2, a.3]); h.combine(p)
            case let .ipv6(a, p, s): h.combine(6); h.combine(a); h.combine(p); h.combine(s)
            case let .unix(path): h.combine(1); h.combine(path)
            }
        }
    }

    /// The family and fields.
    public let kind: Kind

    /// An address of the given kind.
    public init(_ kind: Kind) throws(IOError) {
        if case .ipv6(let bytes, _, _) = kind, bytes.count != 16 {
            throw .invalidArgument("an IPv6 address has 16 bytes, not \(bytes.count)")
        }
        if case .unix(let path) = kind {
            if path.utf8.contains(0) { throw .pathContainsNul }
            if path.utf8.count >= MemoryLayout.size(ofValue: sockaddr_un().sun_path) {
                throw .invalidArgument("Unix socket path longer than \(MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1) bytes")
            }
        }
        self.kind = kind
    }

    /// IPv4 `a.b.c.d:port`.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> SocketAddress {
        SocketAddress(unchecked: .ipv4(address: (a, b, c, d), port: port))
    }

    /// `127.0.0.1:port`.
    public static func loopback(port: UInt16) -> SocketAddress { .ipv4(127, 0, 0, 1, port: port) }

    /// `0.0.0.0:port`: every IPv4 interface.
    public static func any(port: UInt16) -> SocketAddress { .ipv4(0, 0, 0, 0, port: port) }

    /// A Unix-domain path.
    public static func unix(path: String) throws(IOError) -> SocketAddress {
        try SocketAddress(.unix(path: path))
    }

    private init(unchecked kind: Kind) { self.kind = kind }

    /// Parses a numeric `a.b.c.d:port`, `[v6]:port` (with an optional `%scope`
    /// number), or a numeric host with a separate port. Names are not resolved
    /// here (resolution must not block the runtime thread; see `resolve`).
    public init(parsing text: String) throws(IOError) {
        let (host, port): (Substring, Substring)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalidArgument("expected [address]:port, got \(text)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .invalidArgument("missing port in \(text)") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = UInt16(port) else { throw .invalidArgument("bad port in \(text)") }
        try self.init(host: String(host), port: number)
    }

    /// A numeric IPv4 or IPv6 host and a port.
    public init(host: String, port: UInt16) throws(IOError) {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let b = withUnsafeBytes(of: v4.s_addr) { Array($0) }
            self.init(unchecked: .ipv4(address: (b[0], b[1], b[2], b[3]), port: port))
            return
        }
        var scope: UInt32 = 0
        var literal = Substring(host)
        if let percent = host.firstIndex(of: "%") {
            guard let s = UInt32(host[host.index(after: percent)...]) else {
                throw .invalidArgument("numeric scope id expected in \(host)")
            }
            scope = s
            literal = host[..<percent]
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(literal), &v6) == 1 {
            self.init(unchecked: .ipv6(address: withUnsafeBytes(of: v6) { Array($0) }, port: port, scopeID: scope))
            return
        }
        throw .invalidArgument("not a numeric IP address: \(host)")
    }

    /// Reads an address the kernel wrote (after `accept`, `recvfrom`, `getsockname`).
    public init(_ buffer: SocketAddressBuffer) throws(IOError) {
        try self.init(raw: UnsafeRawPointer(buffer.storage), length: Int(buffer.length.pointee))
    }

    /// Reads `length` bytes of a `sockaddr`.
    public init(raw: UnsafeRawPointer, length: Int) throws(IOError) {
        guard length >= MemoryLayout<sa_family_t>.size else {
            // An unnamed Unix socket reports only its family, or nothing.
            self.init(unchecked: .unix(path: ""))
            return
        }
        let family = Int32(raw.loadUnaligned(as: sa_family_t.self))
        switch family {
        case AF_INET:
            let sin = raw.loadUnaligned(as: sockaddr_in.self)
            let b = withUnsafeBytes(of: sin.sin_addr.s_addr) { Array($0) }
            self.init(unchecked: .ipv4(address: (b[0], b[1], b[2], b[3]), port: UInt16(bigEndian: sin.sin_port)))
        case AF_INET6:
            let sin6 = raw.loadUnaligned(as: sockaddr_in6.self)
            self.init(unchecked: .ipv6(address: withUnsafeBytes(of: sin6.sin6_addr) { Array($0) },
                                       port: UInt16(bigEndian: sin6.sin6_port), scopeID: sin6.sin6_scope_id))
        case AF_UNIX:
            let pathOffset = MemoryLayout<sa_family_t>.size
            let bytes = UnsafeRawBufferPointer(start: raw + pathOffset, count: max(0, length - pathOffset))
            self.init(unchecked: .unix(path: String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)))
        default:
            throw .errno(.addressFamilyNotSupported)
        }
    }

    /// The address family constant (`AF_INET`, `AF_INET6`, `AF_UNIX`).
    public var family: Int32 {
        switch kind {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
    }

    /// The port, for IP addresses.
    public var port: UInt16? {
        switch kind {
        case .ipv4(_, let p), .ipv6(_, let p, _): p
        case .unix: nil
        }
    }

    /// A copy in a ``SocketAddressBuffer``, for an op.
    public func opBuffer() -> SocketAddressBuffer {
        let buffer = SocketAddressBuffer()
        let raw = UnsafeMutableRawPointer(buffer.storage)
        switch kind {
        case let .ipv4(a, port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr.s_addr) { $0.copyBytes(from: [a.0, a.1, a.2, a.3]) }
            raw.storeBytes(of: sin, as: sockaddr_in.self)
            buffer.length.pointee = socklen_t(MemoryLayout<sockaddr_in>.size)
        case let .ipv6(a, port, scope):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a) }
            raw.storeBytes(of: sin6, as: sockaddr_in6.self)
            buffer.length.pointee = socklen_t(MemoryLayout<sockaddr_in6>.size)
        case let .unix(path):
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: bytes) }
            raw.storeBytes(of: sun, as: sockaddr_un.self)
            buffer.length.pointee = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        }
        return buffer
    }

    /// `1.2.3.4:80`, `[::1]:80`, or the Unix path.
    public var description: String {
        switch kind {
        case let .ipv4(a, port):
            return "\(a.0).\(a.1).\(a.2).\(a.3):\(port)"
        case let .ipv6(a, port, scope):
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            var addr = in6_addr()
            withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: a) }
            inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            let host = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return scope == 0 ? "[\(host)]:\(port)" : "[\(host)%\(scope)]:\(port)"
        case let .unix(path):
            return path.isEmpty ? "(unnamed)" : path
        }
    }
}
