/// Decides when an op tries to complete inline, that is, when ``Runtime/submit(_:)``
/// submits it at once and returns without suspending if the kernel finished it
/// during submission.
///
/// Suspending and resuming a task costs about a microsecond (continuation,
/// executor enqueue, status-record locks); one more trip into the kernel costs
/// a fifth of that. So an attempt pays whenever it usually succeeds, and costs
/// little when nothing else is ready to run (the loop would enter the kernel
/// next anyway). When other tasks are ready, an attempt also submits early the
/// ops they queued, and a miss is a wasted syscall: there the policy attempts
/// only op kinds that have been completing inline lately (a page-cache read, a
/// send with room in the socket buffer), and not those that keep missing (a
/// receive that waits for the peer). On io_uring the runtime goes further
/// (``Driver/batchesEagerPush(of:)``): while other tasks are ready, or ops
/// pushed the ordinary way wait in the submission queue for the poll, only
/// page-cache reads are attempted (they need no ring). One `io_uring_enter`
/// for the whole batch beat a syscall per op once a suspension cost less
/// than the syscall: 32 tasks awaiting NOPs went from 0.20x to 0.23x C batch
/// 32, and echoing on 64 connections from 0.88x to 0.95x the C epoll server.
///
/// A budget bounds the inline completions of one task run, as tokio's coop
/// budget does: a task whose ops always finish at once must still let timers,
/// other tasks and new completions in.
///
/// A value type on the runtime's thread, driven by the runtime and by tests.
struct InlineCompletionPolicy {
    /// Op kinds with separate scores; see ``kind(of:)``.
    static let kindCount = Scores.count
    /// One score per kind, stored inline.
    typealias Scores = InlineArray<18, UInt8>
    /// A kind whose score is at least this is attempted while other tasks are ready.
    static let threshold: UInt8 = 4
    static let maxScore: UInt8 = 8

    /// Inline completions allowed per task run.
    let limit: Int
    /// Inline completions left in this task run.
    private(set) var budget = 0
    /// False while the runtime drains or runs test faults.
    private(set) var enabled = false
    /// Per kind: recent success, +1 per inline completion, halved per miss.
    /// Inline storage, not an array: the runtime reads the policy from its
    /// core on every op, and an array's buffer was retained and released
    /// around each read.
    private var scores: Scores

    init(limit: Int) {
        precondition(limit >= 0, "InlineCompletionPolicy: negative limit \(limit)")
        self.limit = limit
        scores = Scores(repeating: Self.threshold)
    }

    /// A task is about to run: a fresh budget, or none (`enabled` false while
    /// the runtime drains or runs test faults).
    mutating func refill(enabled: Bool) {
        self.enabled = enabled && limit > 0
        budget = self.enabled ? limit : 0
    }

    /// Takes the budget away, for the rest of this task run.
    mutating func revoke() {
        enabled = false
        budget = 0
    }

    /// What to do with an op.
    enum Decision: Equatable {
        /// Try to complete it inline.
        case attempt
        /// Submit it the ordinary way: the task suspends until it completes.
        case submit
        /// The task spent its budget on ops that did complete inline: let
        /// the loop turn (``Runtime/yield()``), then decide again with a fresh
        /// budget. Cheaper than the ordinary way for an op that would have
        /// completed inline, which on the epoll driver means the thread pool.
        case yieldFirst
    }

    /// What to do with an op of `kind`. `othersReady` is asked only for a
    /// kind below the threshold (its check reads five queues).
    func decide(kind: Int, othersReady: @autoclosure () -> Bool) -> Decision {
        guard enabled, scores[kind] >= Self.threshold || !othersReady() else { return .submit }
        return budget > 0 ? .attempt : .yieldFirst
    }

    /// Whether an op of `kind` should try to complete inline now.
    func shouldAttempt(kind: Int, othersReady: @autoclosure () -> Bool) -> Bool {
        decide(kind: kind, othersReady: othersReady()) == .attempt
    }

    /// Records the outcome of an attempt.
    mutating func record(kind: Int, completedInline: Bool) {
        if completedInline {
            precondition(budget > 0, "InlineCompletionPolicy: inline completion without budget")
            budget -= 1
            if scores[kind] < Self.maxScore { scores[kind] += 1 }
        } else {
            scores[kind] /= 2
        }
    }

    /// The score of `kind` (for tests).
    func score(_ kind: Int) -> UInt8 { scores[kind] }

    /// The kind an op is scored under: its case, with the rarely inline ones
    /// (metadata, directory ops, socket setup) sharing one score.
    static func kind(of op: Op) -> Int { min(op.kindIndex, kindCount - 1) }
}
