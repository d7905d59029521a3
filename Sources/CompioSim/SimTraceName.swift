import Compio

/// An event name with its hash digest, taken once: an op's name is recorded
/// with each of its events (push, submit, complete, deliver, cancel), and
/// folding its bytes into the trace's hash every time cost more than the rest
/// of the event.
struct SimTraceName {
    let text: String
    /// The word the trace's hash folds in for this name: ``SimTraceHasher``
    /// over the name's bytes, from the FNV offset.
    let digest: UInt64

    init(_ text: String) {
        self.text = text
        var h = SimTraceHasher(state: SimTrace.fnvOffset)
        h.write(text)
        digest = h.state
    }
}

/// The trace names of a driver's ops, each digested the first time an op of
/// its kind is pushed: hashing the name on every push cost about as much as
/// recording the push. Filled from ``Op/name`` itself, so the two cannot
/// disagree; the index below only has to tell kinds apart.
struct SimOpNames {
    private var names = [SimTraceName?](repeating: nil, count: SimOpNames.kinds)

    /// `op`'s name, digested.
    mutating func name(of op: Op) -> SimTraceName {
        let i = Self.index(of: op)
        if let name = names[i] {
            assert(name.text == op.name, "SimOpNames: \(op.name) shares index \(i) with \(name.text)")
            return name
        }
        let name = SimTraceName(op.name)
        names[i] = name
        return name
    }

    /// How many names ``index(of:)`` tells apart: one per kind, and one
    /// more each for `fdatasync` and `peerAddress`.
    static let kinds = Op.kindCount + 2

    /// A distinct index per name ``Op/name`` gives.
    static func index(of op: Op) -> Int {
        switch op {
        case .sync(_, let dataOnly) where dataOnly: Op.kindCount
        case .socketAddress(_, _, let peer) where peer: Op.kindCount + 1
        default: op.kindIndex
        }
    }
}
