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
