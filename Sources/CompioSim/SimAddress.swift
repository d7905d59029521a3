import Compio
import Glibc

/// An endpoint of the simulated world: an IPv4 or IPv6 host and port, or a
/// Unix-domain socket name.
///
/// Every simulated host has one IPv4 address and one IPv6 address in the
/// unique-local prefix `fd00::/96` whose last 32 bits are the IPv4 address
/// (`10.0.0.2` is also `fd00::a00:2`, written `fd00::10.0.0.2` too). The two
/// families are separate stacks, as with `IPV6_V6ONLY`: an IPv6 socket bound to
/// a port does not take the IPv4 port, and IPv4-mapped addresses name no host.
public enum SimAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// An IPv4 address in host byte order (`10.0.0.1` is `0x0A00_0001`) and a port.
    case ipv4(UInt32, port: UInt16)
    /// An IPv6 address, its sixteen bytes read as one big-endian number
    /// (`::1` is `1`), and a port.
    case ipv6(UInt128, port: UInt16)
    /// A Unix-domain socket name.
    case unix(SimUnixName)

    /// An IPv4 address from its parts.
    public init(ip: UInt32, port: UInt16) { self = .ipv4(ip, port: port) }

    /// Parses `a.b.c.d:port`, `a.b.c.d` (port 0), `[v6]:port`, a bare IPv6
    /// address (port 0), or `unix:/path`.
    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(.path(path))
            return
        }
        var host = Substring(text)
        var port: UInt16 = 0
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1 {
            let pieces = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let p = UInt16(pieces[1]) else { return nil }
            host = pieces[0]
            port = p
        }
        var v4 = in_addr()
        if !host.contains(":"), inet_pton(AF_INET, String(host), &v4) == 1 {
            self = .ipv4(UInt32(bigEndian: v4.s_addr), port: port)
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(host), &v6) == 1 else { return nil }
        self = .ipv6(withUnsafeBytes(of: v6) { Self.number($0) }, port: port)
    }

    /// The address in `buffer`, if it holds a well-formed `sockaddr_in`,
    /// `sockaddr_in6` or `sockaddr_un` (for reading back what an op wrote).
    public init?(_ buffer: SocketAddressBuffer) {
        let length = Int(buffer.length.pointee)
        let raw = UnsafeRawPointer(buffer.storage)
        switch buffer.family {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            let sin = raw.load(as: sockaddr_in.self)
            self = .ipv4(UInt32(bigEndian: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6 where length >= Self.ipv6MinimumLength:
            let sin6 = raw.load(as: sockaddr_in6.self)
            self = .ipv6(withUnsafeBytes(of: sin6.sin6_addr) { Self.number($0) }, port: UInt16(bigEndian: sin6.sin6_port))
        case AF_UNIX where length >= Self.unixPathOffset:
            self = .unix(SimUnixName(sunPath: UnsafeRawBufferPointer(start: raw + Self.unixPathOffset, count: length - Self.unixPathOffset)))
        default:
            return nil
        }
    }

    /// The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`.
    public var family: Int32 {
        switch self {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
    }

    /// The IPv4 address, for an IPv4 endpoint.
    public var ip: UInt32? { if case .ipv4(let ip, _) = self { ip } else { nil } }

    /// The port, for an IP endpoint.
    public var port: UInt16? {
        switch self {
        case .ipv4(_, let p), .ipv6(_, let p): p
        case .unix: nil
        }
    }

    /// The same host with another port (a Unix name stays as it is).
    public func with(port: UInt16) -> SimAddress {
        switch self {
        case .ipv4(let ip, _): .ipv4(ip, port: port)
        case .ipv6(let ip, _): .ipv6(ip, port: port)
        case .unix: self
        }
    }

    /// Writes the address into `buffer` as the kernel does for `accept`,
    /// `recvfrom` and `getsockname`: at most the buffer's length in bytes is
    /// copied, and the length becomes the address's full length.
    public func write(to buffer: SocketAddressBuffer) {
        var storage = sockaddr_storage()
        let length: Int
        switch self {
        case .ipv4(let ip, let port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = ip.bigEndian
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: sin, as: sockaddr_in.self) }
            length = MemoryLayout<sockaddr_in>.size
        case .ipv6(let ip, let port):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { bytes in
                for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: ip >> (8 * (15 - i))) }
            }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: sin6, as: sockaddr_in6.self) }
            length = MemoryLayout<sockaddr_in6>.size
        case .unix(let name):
            let path = name.sunPath
            withUnsafeMutableBytes(of: &storage) { bytes in
                bytes.storeBytes(of: sa_family_t(AF_UNIX), as: sa_family_t.self)
                for (i, byte) in path.enumerated() { bytes[Self.unixPathOffset + i] = byte }
            }
            length = Self.unixPathOffset + path.count
        }
        let room = min(Int(buffer.length.pointee), length, MemoryLayout<sockaddr_storage>.size)
        withUnsafeBytes(of: storage) { UnsafeMutableRawPointer(buffer.storage).copyMemory(from: $0.baseAddress!, byteCount: room) }
        buffer.length.pointee = socklen_t(length)
    }

    /// A new buffer holding this address, for `bind`, `connect` and `sendto`.
    public func buffer() -> SocketAddressBuffer {
        let buffer = SocketAddressBuffer()
        write(to: buffer)
        return buffer
    }

    /// IPv4 `0.0.0.0`.
    public static let any: UInt32 = 0
    /// IPv4 `127.0.0.1`.
    public static let loopback: UInt32 = 0x7F00_0001
    /// IPv6 `::`.
    public static let ipv6Any: UInt128 = 0
    /// IPv6 `::1`.
    public static let ipv6Loopback: UInt128 = 1
    /// The prefix of simulated hosts' IPv6 addresses, `fd00::/96`.
    public static let ipv6HostPrefix: UInt128 = 0xFD00 << 112

    /// The IPv6 address of the simulated host whose IPv4 address is `ipv4`.
    public static func ipv6(ofHost ipv4: UInt32) -> UInt128 { ipv6HostPrefix | UInt128(ipv4) }

    /// Orders by family (IPv4, IPv6, Unix), then address, then port.
    public static func < (lhs: SimAddress, rhs: SimAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.ipv4(a, p), .ipv4(b, q)): (a, p) < (b, q)
        case let (.ipv6(a, p), .ipv6(b, q)): a < b || (a == b && p < q)
        case let (.unix(a), .unix(b)): a.sunPath.lexicographicallyPrecedes(b.sunPath)
        default: lhs.familyRank < rhs.familyRank
        }
    }

    /// `a.b.c.d:port`, `[v6]:port`, or the Unix name.
    public var description: String {
        switch self {
        case .ipv4(let ip, let port):
            return "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF):\(port)"
        case .ipv6(let ip, let port):
            var addr = in6_addr()
            withUnsafeMutableBytes(of: &addr) { bytes in
                for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: ip >> (8 * (15 - i))) }
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            return "[\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(port)"
        case .unix(let name):
            return "\(name)"
        }
    }

    /// Where `sun_path` starts in a `sockaddr_un`.
    static let unixPathOffset = MemoryLayout<sa_family_t>.size
    /// The shortest `sockaddr_in6` Linux takes: RFC 2133's, without the scope id
    /// (`SIN6_LEN_RFC2133` in `include/net/ipv6.h`).
    static let ipv6MinimumLength = 24

    private var familyRank: Int {
        switch self {
        case .ipv4: 0
        case .ipv6: 1
        case .unix: 2
        }
    }

    private static func number(_ bytes: UnsafeRawBufferPointer) -> UInt128 {
        bytes.prefix(16).reduce(0) { $0 << 8 | UInt128($1) }
    }
}

/// The name of a Unix-domain socket, as Linux distinguishes them (`unix(7)`).
public enum SimUnixName: Sendable, Hashable, CustomStringConvertible {
    /// Not bound: `getsockname` reports only the family.
    case unnamed
    /// A path in the simulated file system.
    case path(String)
    /// A name in the abstract namespace (the bytes after `sun_path`'s leading NUL).
    case abstract([UInt8])

    /// Reads `sun_path` as Linux does: a leading NUL makes an abstract name of
    /// every following byte; otherwise the path ends at the first NUL.
    init(sunPath bytes: UnsafeRawBufferPointer) {
        if bytes.isEmpty {
            self = .unnamed
        } else if bytes[0] == 0 {
            self = .abstract(Array(bytes.dropFirst()))
        } else {
            self = .path(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
        }
    }

    /// The `sun_path` bytes the kernel reports: a path with its terminating
    /// NUL, an abstract name after its leading NUL, nothing when unnamed.
    var sunPath: [UInt8] {
        switch self {
        case .unnamed: []
        case .path(let path): Array(path.utf8) + [0]
        case .abstract(let name): [0] + name
        }
    }

    /// The path, `@name` for an abstract name, or `(unnamed)`.
    public var description: String {
        switch self {
        case .unnamed: "(unnamed)"
        case .path(let path): path
        case .abstract(let name): "@" + String(decoding: name, as: UTF8.self)
        }
    }
}
