/// The runtime's FIFO of ready jobs, run in batches.
///
/// Two arrays swap roles: a batch runs from one while the jobs it makes ready
/// land in the other, so neither array is mutated while it is being read and
/// neither reallocates once grown. A value type owned by the runtime's thread.
struct JobQueue<Element> {
    private var incoming: [Element] = []
    private var running: [Element] = []

    init() {}

    /// Jobs waiting for the next batch.
    var count: Int { incoming.count }
    /// Whether no job waits for the next batch.
    var isEmpty: Bool { incoming.isEmpty }

    /// Appends a job to the next batch.
    mutating func push(_ element: Element) { incoming.append(element) }

    /// Starts a batch with every job queued so far; returns its size. Jobs
    /// pushed from now on go to the next batch.
    mutating func beginBatch() -> Int {
        precondition(running.isEmpty, "JobQueue: batch already running")
        swap(&incoming, &running)
        return running.count
    }

    /// The `index`th job of the running batch.
    func batchElement(_ index: Int) -> Element { running[index] }

    /// Ends the running batch.
    mutating func endBatch() { running.removeAll(keepingCapacity: true) }
}
