import Compio
import Glibc

/// A simulated socket of one family (`AF_INET`, `AF_INET6`, `AF_UNIX`): a
/// reliable byte stream (TCP-like, or a Unix stream) or datagrams.
final class SimSocket {
    enum Transport { case stream, datagram }
    enum State { case idle, listening, connecting, connected }

    let domain: Int32
    let transport: Transport
    var state: State = .idle
    /// The address the socket is bound to (by bind, or by connect's implicit
    /// bind for IP sockets; Unix sockets stay unnamed unless bound).
    var local: SimAddress?
    var remote: SimAddress?
    /// The name a bound Unix socket is found by.
    var unixKey: SimUnixKey?
    /// Whether the socket occupies its local address (accepted connections share the listener's).
    var holdsPort = false
    /// The open file that holds the socket; `nil` for an accepted connection not yet accepted.
    weak var file: SimOpenFile?
    /// Whether the last reference to the socket's open file went away.
    var released = false

    // Listening.
    var backlog = 0
    var acceptQueue: [SimSocket] = []
    /// Unix connects waiting for room in the accept queue (Linux blocks them;
    /// TCP instead drops the SYN and retransmits).
    var connectWaiters: [SimOpenFile] = []

    // Connecting: the handshake's outcome, picked up by the connect op.
    var connectStarted = false
    var connectResult: Result<Int, IOError>?

    // Connected stream.
    var peer: SimSocket?
    /// Segments on their way to the peer, in order.
    var outbound: SimFlow?
    var received: [UInt8] = []
    /// Descriptors passed with `SCM_RIGHTS` and the bytes of `received` they
    /// came with (`at` counts from the first unread byte). They hold open-file
    /// references until received or until the socket goes away.
    var receivedRights: [(at: Int, count: Int, files: [SimOpenFile])] = []
    var receivedEnd = false
    var pendingError: IOError?
    var readShut = false
    var writeShut = false

    /// Socket options set through `setsockopt`, by level and name. Stored so
    /// `getsockopt` reads back what was set; the simulation gives them no effect.
    var options: [SimSocketOptionName: [UInt8]] = [:]

    // Datagrams.
    var datagrams: [SimDatagram] = []

    var isUnix: Bool { domain == AF_UNIX }

    init(domain: Int32, transport: Transport) {
        self.domain = domain
        self.transport = transport
    }
}

/// A datagram waiting in a socket's receive queue.
struct SimDatagram {
    let from: SimAddress?
    let data: [UInt8]
    /// Descriptors passed with it (Unix sockets only).
    let rights: [SimOpenFile]
}

/// One direction of a stream connection: segments in flight, delivered in
/// order; a partition holds them back (retransmission), it never reorders them.
final class SimFlow {
    enum Segment {
        /// Bytes, with the descriptors passed along (Unix streams only).
        case data([UInt8], rights: [SimOpenFile])
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
