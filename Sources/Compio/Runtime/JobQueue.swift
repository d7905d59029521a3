/// The runtime's FIFO of ready jobs, run in batches.
///
/// Two arrays swap roles: a batch runs from one while the jobs it makes ready
/// land in the other, so neither array is mutated while it is being read and
/// neither reallocates once grown. A noncopyable value type owned by the runtime's thread.
struct JobQueue<Element>: ~Copyable {
    // ``SlotArray``s: no copy-on-write check on every push.
    private var incoming = SlotArray<Element>()
    private var running = SlotArray<Element>()
    /// How many jobs of the running batch were taken.
    private var taken = 0

    init() {}

    /// Jobs waiting for the next batch.
    var count: Int { incoming.count }
    /// Whether no job waits for the next batch.
    var isEmpty: Bool { incoming.isEmpty }
    /// Whether no job is ready at all: none waits for the next batch and the
    /// running batch has none left after the one running now.
    var isIdle: Bool { incoming.isEmpty && taken == running.count }

    /// Appends a job to the next batch.
    mutating func push(_ element: Element) { incoming.append(element) }

    /// Starts a batch with every job queued so far; returns its size. Jobs
    /// pushed from now on go to the next batch.
    @discardableResult
    mutating func beginBatch() -> Int {
        precondition(running.isEmpty, "JobQueue: batch already running")
        swap(&incoming, &running)
        return running.count
    }

    /// The next job of the running batch, or `nil` when it has run them all.
    mutating func nextInBatch() -> Element? {
        guard taken < running.count else { return nil }
        taken += 1
        return running[taken - 1]
    }

    /// Ends the running batch.
    mutating func endBatch() {
        precondition(taken == running.count, "JobQueue: batch ended with \(running.count - taken) jobs not run")
        running.removeAll()
        taken = 0
    }
}
