import Compio

extension SimDriver {
    /// Starts `op` and, as io_uring's eager submission does, may submit it at
    /// once with everything staged before it.
    ///
    /// The ``SimDecision/eager`` stream decides, with ``eagerSubmissionChance``,
    /// whether this push submits now; otherwise it is a plain ``push(_:)``.
    /// Submitting now is a poll without its wait: the staged ops and `op` are
    /// submitted in push order (each that can finish during submission does so
    /// with ``inlineCompletionChance``), and the events due at the current
    /// instant run, without advancing time. Then every ready completion is
    /// taken, in completion order (a completion queue's order, which keeps
    /// each stream's order): `op`'s own comes back `.ready`, the others go to
    /// `others` first, exactly once, as a poll would have handed them out.
    public func pushEagerly(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult {
        guard !isShutDown, streams[.eager].chance(eagerSubmissionChance) else {
            let result = push(op)
            switch result {
            case .pending(let key): record(.eager, key: key, name: Self.eagerNames.deferred, value: -1)
            case .ready: stats.inlineCompletions += 1
            }
            return result
        }
        let result = start(op, staging: true)
        guard case .pending(let key) = result else {
            stats.inlineCompletions += 1
            return result
        }
        stats.eagerSubmissions += 1
        record(.eager, key: key, name: Self.eagerNames.submit, value: Int64(staged.count))
        submitStaged(eagerly: true)
        runDueEvents()
        guard !ready.isEmpty else { return result }
        // Taken out before any handout: `others` resumes tasks, and nothing it
        // does may see these completions still queued.
        var taken = spareReady
        swap(&taken, &ready)
        defer {
            taken.removeAll(keepingCapacity: true)
            spareReady = taken
        }
        var own: Completion?
        for item in taken {
            let completion = handOut(item)
            let isOwn = item.key == key
            record(.deliver, key: item.key, name: item.name, value: Self.code(item.result), detail: .text(isOwn ? "inline" : "eager"))
            if isOwn {
                own = completion
            } else {
                stats.eagerDeliveries += 1
                others(completion)
            }
        }
        guard let own else { return result }
        stats.inlineCompletions += 1
        return .ready(own)
    }

    /// The eager push's event names, digested once.
    static let eagerNames = (deferred: SimTraceName("deferred"), submit: SimTraceName("submit"))
}
