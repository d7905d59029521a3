import Compio
import Glibc

/// An IPv4 address and port of the simulated network.
public struct SimAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The IPv4 address in host byte order (`10.0.0.1` is `0x0A00_0001`).
    public var ip: UInt32
    /// The port.
    public var port: UInt16

    /// An address from its parts.
    public init(ip: UInt32, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `a.b.c.d:port` or `a.b.c.d` (port 0).
    public init?(_ text: String) {
        let pieces = text.split(separator: ":", maxSplits: 1)
        let octets = pieces[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var ip: UInt32 = 0
        for octet in octets {
            guard let v = UInt8(octet) else { return nil }
            ip = ip << 8 | UInt32(v)
        }
        var port: UInt16 = 0
        if pieces.count == 2 {
            guard let p = UInt16(pieces[1]) else { return nil }
            port = p
        }
        self.init(ip: ip, port: port)
    }

    /// The address in `buffer`, if it holds a well-formed `sockaddr_in`.
    public init?(_ buffer: SocketAddressBuffer) {
        guard buffer.family == AF_INET, Int(buffer.length.pointee) >= MemoryLayout<sockaddr_in>.size else { return nil }
        let sin = UnsafeRawPointer(buffer.storage).load(as: sockaddr_in.self)
        self.init(ip: UInt32(bigEndian: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
    }

    /// Writes the address into `buffer` as a `sockaddr_in`, as the kernel does
    /// for `accept` and `recvfrom`.
    public func write(to buffer: SocketAddressBuffer) {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = ip.bigEndian
        UnsafeMutableRawPointer(buffer.storage).storeBytes(of: sin, as: sockaddr_in.self)
        buffer.length.pointee = socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    /// A new buffer holding this address, for `bind`, `connect` and `sendto`.
    public func buffer() -> SocketAddressBuffer {
        let buffer = SocketAddressBuffer()
        write(to: buffer)
        return buffer
    }

    /// The same IP with another port.
    public func with(port: UInt16) -> SimAddress { SimAddress(ip: ip, port: port) }

    /// `0.0.0.0`.
    public static let any: UInt32 = 0
    /// `127.0.0.1`.
    public static let loopback: UInt32 = 0x7F00_0001

    /// Orders by IP, then port.
    public static func < (lhs: SimAddress, rhs: SimAddress) -> Bool {
        (lhs.ip, lhs.port) < (rhs.ip, rhs.port)
    }

    /// `a.b.c.d:port`.
    public var description: String {
        "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF):\(port)"
    }
}
