import CLinux
import Glibc

/// A socket option with a typed value: its level, its name, and how its value
/// is laid out for `setsockopt(2)`/`getsockopt(2)`.
///
/// Set and read one with ``SocketHandle/setOption(_:to:)`` and
/// ``SocketHandle/option(_:)``; both run as ops through the driver.
public struct SocketOption<Value: Sendable>: Sendable {
    /// `SOL_SOCKET`, `IPPROTO_TCP`, …
    public let level: Int32
    /// `SO_REUSEADDR`, `TCP_NODELAY`, …
    public let name: Int32
    /// Bytes of the option's value.
    let size: Int
    let encode: @Sendable (Value) -> [UInt8]
    let decode: @Sendable (UnsafeRawBufferPointer) -> Value

    /// An option with a custom layout: `encode` gives exactly `size` bytes and
    /// `decode` reads them back.
    public init(level: Int32, name: Int32, size: Int,
                encode: @escaping @Sendable (Value) -> [UInt8],
                decode: @escaping @Sendable (UnsafeRawBufferPointer) -> Value) {
        self.level = level
        self.name = name
        self.size = size
        self.encode = encode
        self.decode = decode
    }
}

extension SocketOption where Value == Int32 {
    /// An option whose value is a C `int`.
    public init(level: Int32, integer name: Int32) {
        self.init(level: level, name: name, size: MemoryLayout<Int32>.size,
                  encode: { v in withUnsafeBytes(of: v) { Array($0) } },
                  decode: { $0.loadUnaligned(as: Int32.self) })
    }

    /// `SO_RCVBUF`: the kernel's receive buffer size. Linux doubles the value
    /// set, to make room for its bookkeeping, and reports the doubled value.
    public static var receiveBufferSize: SocketOption<Int32> { .init(level: SOL_SOCKET, integer: SO_RCVBUF) }
    /// `SO_SNDBUF`: the kernel's send buffer size (doubled by Linux like `SO_RCVBUF`).
    public static var sendBufferSize: SocketOption<Int32> { .init(level: SOL_SOCKET, integer: SO_SNDBUF) }
    /// `SO_ERROR`, read-only: the socket's pending error, cleared by reading it.
    public static var pendingError: SocketOption<Int32> { .init(level: SOL_SOCKET, integer: SO_ERROR) }
}

extension SocketOption where Value == Bool {
    /// An on/off option stored as a C `int`.
    public init(level: Int32, flag name: Int32) {
        let integer = SocketOption<Int32>(level: level, integer: name)
        self.init(level: level, name: name, size: integer.size,
                  encode: { integer.encode($0 ? 1 : 0) },
                  decode: { integer.decode($0) != 0 })
    }

    /// `SO_REUSEADDR`: bind to a port that still has connections in `TIME_WAIT`.
    public static var reuseAddress: SocketOption<Bool> { .init(level: SOL_SOCKET, flag: SO_REUSEADDR) }
    /// `SO_REUSEPORT`: several sockets bind the same port and the kernel spreads
    /// connections (or datagrams) over them.
    public static var reusePort: SocketOption<Bool> { .init(level: SOL_SOCKET, flag: SO_REUSEPORT) }
    /// `SO_KEEPALIVE`: probe idle connections.
    public static var keepAlive: SocketOption<Bool> { .init(level: SOL_SOCKET, flag: SO_KEEPALIVE) }
    /// `SO_BROADCAST`: allow datagrams to broadcast addresses.
    public static var broadcast: SocketOption<Bool> { .init(level: SOL_SOCKET, flag: SO_BROADCAST) }
    /// `TCP_NODELAY`: send small segments at once instead of coalescing them (Nagle off).
    public static var noDelay: SocketOption<Bool> { .init(level: CLINUX_IPPROTO_TCP, flag: Int32(TCP_NODELAY)) }
}

extension SocketOption where Value == Duration? {
    /// `SO_LINGER`: `nil` closes in the background (the default); a duration
    /// makes close wait up to that long (whole seconds) for unsent data. Zero
    /// discards unsent data and resets the connection (the peer sees `ECONNRESET`).
    public static var linger: SocketOption<Duration?> {
        .init(level: SOL_SOCKET, name: SO_LINGER, size: MemoryLayout<Glibc.linger>.size,
              encode: { value in
                  var l = Glibc.linger()
                  l.l_onoff = value == nil ? 0 : 1
                  l.l_linger = Int32(clamping: value?.components.seconds ?? 0)
                  return withUnsafeBytes(of: l) { Array($0) }
              },
              decode: { bytes in
                  let l = bytes.loadUnaligned(as: Glibc.linger.self)
                  return l.l_onoff == 0 ? nil : .seconds(l.l_linger)
              })
    }
}

/// A socket type whose options and local address can be read and set: every
/// socket of this module.
public protocol SocketHandle: Sendable {
    /// The socket under this value.
    var socket: Socket { get }
}

extension SocketHandle {
    /// Sets `option` to `value` (`setsockopt(2)` through the driver).
    public func setOption<V>(_ option: SocketOption<V>, to value: V) async throws(IOError) {
        let bytes = option.encode(value)
        precondition(bytes.count == option.size, "SocketOption: encoded \(bytes.count) bytes, expected \(option.size)")
        let buffer = IOBuffer(bytes: bytes)
        try await socket.run {
            .setSocketOption(fd: $0, level: option.level, name: option.name, value: OpBuffer(buffer))
        }
    }

    /// The current value of `option` (`getsockopt(2)` through the driver).
    public func option<V>(_ option: SocketOption<V>) async throws(IOError) -> V {
        let buffer = IOBuffer(capacity: option.size)
        let length = try await socket.run {
            .getSocketOption(fd: $0, level: option.level, name: option.name, value: OpBuffer(buffer))
        }
        guard length == option.size else {
            throw .invalidArgument("option \(option.name) at level \(option.level) has \(length) bytes, expected \(option.size)")
        }
        buffer.initialized = length
        return buffer.withBytes { option.decode($0) }
    }

    /// The address the socket is bound to (`getsockname`).
    public var localAddress: SocketAddress {
        get async throws(IOError) { try await socket.address(peer: false) }
    }

    /// Closes the socket for every clone: new ops fail with ``IOError/closed``
    /// at once; the close itself waits until the ops in flight have completed.
    ///
    /// An op that waits for the peer (an `accept` with no client coming, a
    /// `read` on an idle connection) holds the close up: cancel the task
    /// blocked in it first, or close from that task.
    public func close() async throws(IOError) {
        try await socket.descriptor.close()
    }
}
