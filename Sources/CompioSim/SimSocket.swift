import Compio

/// A simulated socket: a TCP-like reliable byte stream or UDP-like datagrams.
final class SimSocket {
    enum Transport { case stream, datagram }
    enum State { case idle, listening, connecting, connected }

    let transport: Transport
    var state: State = .idle
    /// The host the socket lives on (set by bind, or by connect's implicit bind).
    var local: SimAddress?
    var remote: SimAddress?
    /// Whether the socket occupies its local address (accepted connections share the listener's).
    var holdsPort = false
    /// The open file that holds the socket; `nil` for an accepted connection not yet accepted.
    weak var file: SimOpenFile?
    /// Whether the last reference to the socket's open file went away.
    var released = false

    // Listening.
    var backlog = 0
    var acceptQueue: [SimSocket] = []

    // Connecting: the handshake's outcome, picked up by the connect op.
    var connectStarted = false
    var connectResult: Result<Int, IOError>?

    // Connected stream.
    var peer: SimSocket?
    /// Segments on their way to the peer, in order.
    var outbound: SimFlow?
    var received: [UInt8] = []
    var receivedEnd = false
    var pendingError: IOError?
    var readShut = false
    var writeShut = false

    /// Socket options set through `setsockopt`, by level and name. Stored so
    /// `getsockopt` reads back what was set; the simulation gives them no effect.
    var options: [SimSocketOptionName: [UInt8]] = [:]

    // Datagrams.
    var datagrams: [(from: SimAddress, data: [UInt8])] = []

    init(transport: Transport) { self.transport = transport }
}

/// One direction of a stream connection: segments in flight, delivered in
/// order; a partition holds them back (retransmission), it never reorders them.
final class SimFlow {
    enum Segment {
        case data([UInt8])
        case end
        case reset
    }

    let from: UInt32
    let to: UInt32
    unowned let receiver: SimSocket
    var segments: [(segment: Segment, readyAt: Int64)] = []
    /// When the last queued segment arrives; later segments never arrive earlier.
    var lastReadyAt: Int64 = 0
    var pumpScheduled = false

    init(from: UInt32, to: UInt32, receiver: SimSocket) {
        self.from = from
        self.to = to
        self.receiver = receiver
    }
}
