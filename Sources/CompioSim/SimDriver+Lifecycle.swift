import Compio
import Glibc

/// What running an op against the world produced.
enum SimOutcome {
    /// The op cannot make progress yet (no data, no connection); it waits on its channel.
    case blocked
    /// The op is done, with its result and the descriptor it created, if any.
    case done(Result<Int, IOError>, newDescriptor: Int32? = nil)
}

extension SimDriver {
    /// Submits every staged op, in push order. `eagerly`: an eager push's
    /// submission, where ops may complete during submission.
    func submitStaged(eagerly: Bool = false) {
        guard !staged.isEmpty else { return }
        // Swapped with a spare rather than copied, so that emptying `staged`
        // (a submit may stage nothing, but a copy would share its storage)
        // allocates nothing.
        var toSubmit = spareKeys
        swap(&toSubmit, &staged)
        for key in toSubmit { submit(key, eagerly: eagerly) }
        toSubmit.removeAll(keepingCapacity: true)
        spareKeys = toSubmit
    }

    /// Hands the op to the simulated kernel: it becomes due after a seeded
    /// latency, or at once when an eager push's submission finishes it (drawn
    /// only for ops that can complete during submission).
    func submit(_ key: OpKey, eagerly: Bool = false) {
        guard let pending = pending(key), table.submit(key) else { return }
        if eagerly && pending.shape.mayCompleteDuringSubmission && streams[.eager].chance(inlineCompletionChance) {
            pending.channel?.queue.append(key)
            record(.submit, key: key, name: pending.traceName, value: 0, detail: .text("during submission"))
            schedule(after: 0, .becomeDue(key))
            return
        }
        var latency = streams[.latency].int64(in: pending.shape.speed.nanoseconds)
        if fault(faults.latencySpike, "latency spike", key: key, op: pending.name) {
            latency += streams[.faults].int64(in: faults.latencySpikeNanoseconds)
        }
        pending.channel?.queue.append(key)
        record(.submit, key: key, name: pending.traceName, value: latency)
        schedule(after: latency, .becomeDue(key))
    }

    func becomeDue(_ key: OpKey) {
        guard let pending = pending(key) else { return }
        pending.isDue = true
        if let channel = pending.channel {
            run(channel)
        } else if !attempt(key) {
            preconditionFailure("SimDriver: op without a channel blocked")
        }
    }

    /// Runs the head of `channel` while it is due and can make progress.
    func run(_ channel: SimChannel) {
        while let head = channel.queue.first, let pending = pending(head), pending.isDue {
            guard attempt(head) else { return }
            if channel.queue.first == head { channel.queue.removeFirst() }
        }
        // Drop keys that completed some other way (cancel) and were left at the head.
        while let head = channel.queue.first, pending(head) == nil { channel.queue.removeFirst() }
        if let head = channel.queue.first, pending(head)?.isDue == true {
            schedule(after: 0, .run(channel))
        }
    }

    /// Runs the op once; finishes it unless it must wait. `limit` caps the bytes
    /// it may move (a cancel's partial progress).
    @discardableResult
    func attempt(_ key: OpKey, limit: Int? = nil) -> Bool {
        guard let pending = pending(key), let op = table.op(key) else { return false }
        switch perform(op, key: key, pending: pending, limit: limit) {
        case .blocked:
            return false
        case .done(let result, let fd):
            finish(key, result, newDescriptor: fd)
            return true
        }
    }

    /// Completes the op: drops its file references, wraps a new descriptor, and
    /// queues the completion for delivery. The op stays in the table until
    /// then (see ``SimReady``).
    func finish(_ key: OpKey, _ result: Result<Int, IOError>, newDescriptor: Int32? = nil) {
        guard let pending = pending(key) else {
            violate(.completedTwice, "key \(key) completed again or was never pushed")
            return
        }
        inFlightOps[Int(key.index)] = nil
        if pending.shape.speed == .blocking { blockingInFlight -= 1 }
        var descriptor: OwnedDescriptor?
        if let fd = newDescriptor { descriptor = OwnedDescriptor(fd, closer: closer) }
        record(.complete, key: key, name: pending.traceName, value: Self.code(result), detail: newDescriptor.map { .number("new fd ", Int64($0)) } ?? .none)
        ready.append(
            SimReady(key: key, name: pending.traceName, result: result, descriptor: descriptor, channel: pending.channel, ownerCount: pending.ownerCount))
        if let file = pending.file { dropReference(file) }
        if let file = pending.second { dropReference(file) }
    }

    /// Takes a ready completion's op out of the table: the op comes back with
    /// its buffers and its result, and the key is free for reuse.
    func handOut(_ item: SimReady) -> Completion {
        guard let (op, _, _) = table.complete(item.key) else {
            preconditionFailure("SimDriver: ready completion \(item.key) is not in the table")
        }
        ownersOutstanding -= item.ownerCount
        stats.delivered += 1
        return Completion(key: item.key, op: op, result: item.result, descriptor: item.descriptor)
    }

    /// Hands out a seeded batch of ready completions in a seeded order; completions
    /// on one channel keep their order.
    func deliver(_ body: (consuming Completion) -> Void) -> Int {
        let size = streams[.ordering].int(in: 1...max(1, min(ready.count, maxBatch)))
        record(.poll, name: batchName, value: Int64(size))
        // Each pick is handed out before the next is drawn. `body` only
        // resumes tasks; were it to push, a completion it caused could join
        // this batch, which a kernel allows too. Drawing never runs dry: the
        // first ready completion is always eligible.
        for _ in 0..<size {
            // The eligible completions (first of their channel), counted and
            // then walked again to the drawn one: no array per pick.
            let eligible = ready.indices.count { isFirstOfChannel($0) }
            var skip = streams[.ordering].int(in: 0...eligible - 1)
            var pick = 0
            for i in ready.indices where isFirstOfChannel(i) {
                if skip == 0 {
                    pick = i
                    break
                }
                skip -= 1
            }
            let item = ready.remove(at: pick)
            record(.deliver, key: item.key, name: item.name, value: Self.code(item.result))
            body(handOut(item))
        }
        return size
    }

    /// Whether `ready[i]` may be handed out now: no earlier ready completion is on its channel.
    private func isFirstOfChannel(_ i: Int) -> Bool {
        guard let channel = ready[i].channel else { return true }
        for j in 0..<i where ready[j].channel === channel { return false }
        return true
    }

    /// A cancel of a submitted op: the seed picks among the outcomes possible now.
    func cancelSubmitted(_ key: OpKey) {
        guard let pending = pending(key) else { return }
        let atHead = pending.channel.map { $0.queue.first == key } ?? true
        let shape = pending.shape
        let capacity = shape.capacity
        var choices = ["canceled"]
        if atHead {
            choices.append("too late")
            if shape.movesBytes && capacity >= 2 && pending.file?.socket?.transport != .datagram { choices.append("partial") }
        }
        let choice = choices[streams[.cancel].int(in: 0...choices.count - 1)]
        if choice != "canceled" {
            let limit = choice == "partial" ? streams[.cancel].int(in: 1...capacity - 1) : nil
            pending.probing = true
            let before = ready.count
            if attempt(key, limit: limit) {
                pending.channel?.queue.removeAll { $0 == key }
                let result = ready[before].result
                let short = limit != nil && (try? result.get()).map { $0 < capacity } == true
                if short { stats.cancelPartial += 1 } else { stats.cancelTooLate += 1 }
                record(.cancel, key: key, name: pending.traceName, value: Self.code(result), detail: .text(short ? "partial" : "too late"))
                if let channel = pending.channel { schedule(after: 0, .run(channel)) }
                return
            }
            pending.probing = false
        }
        stats.cancelCanceled += 1
        record(.cancel, key: key, name: pending.traceName, value: -Int64(ECANCELED), detail: .text("canceled"))
        pending.channel?.queue.removeAll { $0 == key }
        finish(key, .failure(.code(ECANCELED)))
        if let channel = pending.channel { schedule(after: 0, .run(channel)) }
    }

    /// Frees descriptor `fd`; the open file lives on while ops hold it.
    func closeDescriptor(_ fd: Int32) {
        guard let file = descriptors.remove(fd) else { return }
        record(.descriptor, name: "close", value: Int64(fd), detail: .number("file#", Int64(file.id)))
        dropReference(file)
    }

    /// The ``SimDescriptorCloser`` path: a created descriptor nobody claimed.
    func closeUnclaimed(_ fd: Int32) {
        stats.unclaimedDescriptorsClosed += 1
        record(.descriptor, name: "close unclaimed", value: Int64(fd))
        closeDescriptor(fd)
    }

    func dropReference(_ file: SimOpenFile) {
        file.references -= 1
        precondition(file.references >= 0, "SimDriver: open file released twice")
        if file.references == 0 { release(file) }
    }

    /// Violations so far; with `final`, also every op, buffer and descriptor
    /// still outstanding (call it at the end of a run, after closing everything).
    public func check(final: Bool = true) -> [SimViolation] {
        var found = violations
        if final {
            for key in liveKeys {
                found.append(SimViolation(rule: .neverCompleted, time: clock, message: "\(pending(key)?.name ?? "?") key \(key) still in flight"))
            }
            for item in ready {
                found.append(SimViolation(rule: .neverCompleted, time: clock, message: "\(item.name.text) key \(item.key) completed but never taken by poll"))
            }
            if ownersOutstanding != 0 {
                found.append(SimViolation(rule: .bufferNotReturned, time: clock, message: "\(ownersOutstanding) buffer owner(s) pushed and not handed back"))
            }
            for fd in descriptors.openDescriptors where fd > 2 {
                found.append(SimViolation(rule: .descriptorLeaked, time: clock, message: "fd \(fd) (file#\(descriptors[fd]!.id)) still open"))
            }
        }
        return found
    }

    /// A report of ``check(final:)`` for a failing run: the seed, each
    /// violation, and the command that replays exactly this run.
    public func failureReport(test: String, final: Bool = true) -> String? {
        let found = check(final: final)
        if found.isEmpty { return nil }
        var lines = ["CompioSim: seed \(seed) failed with \(found.count) violation(s), trace hash \(String(trace.hash, radix: 16)):"]
        lines += found.map { "  - \($0)" }
        lines.append("Replay: \(SimSeeds.replayCommand(seed: seed, test: test))")
        return lines.joined(separator: "\n")
    }
}
