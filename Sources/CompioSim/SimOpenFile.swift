import Compio

/// An open file description: what a descriptor number points at.
///
/// Counted references come from descriptor table entries and from ops in
/// flight. Closing a descriptor drops only the table's reference, so ops
/// already pushed keep running against this object (as the kernel's file
/// reference does); the object is released when the count reaches zero.
final class SimOpenFile {
    enum Kind {
        /// Descriptors 0, 1 and 2: reads see end of file, writes vanish.
        case console
        case regular(SimInode)
        case directory(SimInode)
        case pipeReader(SimPipe)
        case pipeWriter(SimPipe)
        case socket(SimSocket)
    }

    /// A serial number, for traces.
    let id: Int
    let kind: Kind
    let readable: Bool
    let writable: Bool
    let appends: Bool
    // `@exclusivity(unchecked)`: the simulator is one-threaded and no access
    // overlaps another (see SimDriver), so the dynamic checks buy nothing.
    /// The shared offset of `read`/`write` on a regular file.
    @exclusivity(unchecked) var offset: Int64 = 0
    @exclusivity(unchecked) var references = 0

    /// `read`/`write` on a regular file share the offset: one FIFO.
    let positionChannel = SimChannel()
    /// Reads, receives and accepts on a pipe or socket.
    let readChannel = SimChannel()
    /// Writes, sends and connects on a pipe or socket.
    let writeChannel = SimChannel()
    /// `pollOnce` waiters.
    let pollChannel = SimChannel()

    init(id: Int, kind: Kind, readable: Bool, writable: Bool, appends: Bool = false) {
        self.id = id
        self.kind = kind
        self.readable = readable
        self.writable = writable
        self.appends = appends
    }

    var inode: SimInode? {
        switch kind {
        case .regular(let i), .directory(let i): i
        default: nil
        }
    }

    var socket: SimSocket? { if case .socket(let s) = kind { s } else { nil } }

    /// Whether reads and writes go to a byte stream (no offsets, may block).
    var isStream: Bool {
        switch kind {
        case .pipeReader, .pipeWriter, .socket: true
        case .console, .regular, .directory: false
        }
    }
}
