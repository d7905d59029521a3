extension Runtime {
    /// Ops the runtime holds: in the driver, or waiting in the runtime for room.
    public var inFlight: Int {
        preconditionOnRuntimeThread("inFlight")
        return core.pointee.waiters.pendingCount + core.pointee.waiters.queuedCount
    }

    /// Driver polls, ops completed inline, and other ops' completions found
    /// during those pushes, so far (for tests).
    var loopCounters: (polls: Int, inline: Int, eagerDeliveries: Int) {
        (core.pointee.polls, core.pointee.inlineCompletions, core.pointee.eagerDeliveries)
    }

    /// Lets every other ready task run, and the driver be polled, before the
    /// caller continues. Unlike `Task.yield()`, allocates nothing.
    public func yield() async {
        guard isOnRuntimeThread else {
            return await withTaskExecutorPreference(self) { await self.yield() }
        }
        await yieldOnThread()
    }

    /// ``yield()`` for a caller already on the runtime's thread, outside any actor.
    nonisolated(nonsending) private func yieldOnThread() async {
        // As in ``submitAfter``: the task resumes on the executor it suspended on.
        await _unsafeInheritExecutor_withUnsafeContinuation { core.pointee.yielders.append($0) }
    }

    /// Runs `op` through the driver and returns its completion: the op with its
    /// buffers, and its result.
    ///
    /// Cancelling the calling task asks the driver to cancel the op; the call
    /// still returns only when the op's own completion arrives, with `ECANCELED`
    /// or with the real result if the op finished first, and always with the
    /// buffers. A task that is already cancelled when it calls this gets
    /// `ECANCELED` without the op being run. When the driver is full, the op
    /// waits in the runtime (in order) until there is room.
    ///
    /// An awaited op costs no heap allocation once the runtime's tables have
    /// grown: the continuation lives in the task's frame and the waiter in a
    /// reused slot. An op the kernel finishes while it is submitted (a NOP, a
    /// read from the page cache, a send with room in the socket buffer) may
    /// return without suspending the task at all; ``InlineCompletionPolicy``
    /// says when that is tried, and ``RuntimeBuilder/inlineCompletionLimit``
    /// bounds how often per task run.
    ///
    /// `nonisolated(nonsending)`: a caller on the runtime's thread outside any
    /// actor pays no executor hop. Any other caller (another thread, or an
    /// actor, even one pinned to this runtime) goes through a hop to the
    /// runtime's executor first. That matters for correctness, not only speed:
    /// code with no actor isolation runs on the runtime's thread only as a
    /// job of a task that prefers this runtime, so the closures below, which
    /// run on the generic executor, stay here. A task *without* that
    /// preference (a detached one calling an actor pinned to the runtime)
    /// would run them on the global pool, and push to the driver from there.
    ///
    /// Not `@inlinable`, though inlined it would save the call's async frame
    /// (about 130 instructions): a task whose code is not `nonsending` (a
    /// `spawn` closure) then hops back to its executor after every op, at
    /// about twice that cost.
    nonisolated(nonsending) public func submit(_ op: Op) async -> Completion {
        var next = InlineAttempt.notTried
        if let completion = attemptInline(op, nonisolated: Self.isNonisolated(#isolation), cancellable: true, next: &next) {
            return completion
        }
        return await submitAfter(next, op, cancellable: true)
    }

    /// Like ``submit(_:)``, but the calling task's cancellation does not reach
    /// the op: for work that must finish once started (``spawnBlocking(_:)``)
    /// and for ops too short to be worth a cancellation handler. Shutdown still
    /// cancels it.
    nonisolated(nonsending) public func submitUncancellable(_ op: Op) async -> Completion {
        var next = InlineAttempt.notTried
        if let completion = attemptInline(op, nonisolated: Self.isNonisolated(#isolation), cancellable: false, next: &next) {
            return completion
        }
        return await submitAfter(next, op, cancellable: false)
    }

    /// `Task.isCancelled`, read from the task's cancel scope when the runtime
    /// started it.
    private var currentTaskIsCancelled: Bool {
        if let scope = TaskCancelScope.ofCurrentTask(on: self) {
            return scope._withUnsafeGuaranteedRef { $0.cancelled.load(ordering: .acquiring) }
        }
        return Task.isCancelled
    }

    /// How far ``attemptInline(_:nonisolated:cancellable:next:)`` got when
    /// the op did not complete. Holds no completion on purpose: a trivial
    /// enum costs no outlined copy or destroy on the way to the suspension
    /// (about 100 instructions per suspended op when it held one).
    enum InlineAttempt {
        /// The op was pushed and is in flight under this key.
        case pushed(OpKey)
        /// Not tried: the op goes to the driver the ordinary way.
        case notTried
        /// The task spent its inline budget: yield, then decide again.
        case yieldFirst(kind: Int)
        /// The caller is not on the runtime's thread outside any actor.
        case elsewhere
    }

    /// The synchronous start of an op: pushes it eagerly when
    /// ``InlineCompletionPolicy`` says so. Returns the completion when the op
    /// completed; otherwise sets `next` to how far it got.
    @inline(__always)
    private func attemptInline(_ op: Op, nonisolated: Bool, cancellable: Bool, next: inout InlineAttempt) -> Completion? {
        guard isOnRuntimeThread, nonisolated else {
            next = .elsewhere
            return nil
        }
        let (kind, decision) = inlineDecision(op)
        switch decision {
        case .submit:
            next = .notTried
        case .yieldFirst:
            next = .yieldFirst(kind: kind)
        case .attempt:
            // A cancelled task's op is refused by the ordinary path, unrun.
            if cancellable, currentTaskIsCancelled {
                next = .notTried
                return nil
            }
            switch pushInline(op, kind: kind) {
            case .ready(let completion): return completion
            case .pending(let key): next = .pushed(key)
            }
        }
        return nil
    }

    /// The rest of ``submit(_:)`` after an inline attempt that did not
    /// complete the op: the hop from elsewhere, the yield of a spent budget,
    /// and the task's suspension on its op.
    ///
    /// Inlined into ``submit(_:)``: as a call of its own, its async frame
    /// cost a task allocation and a deallocation per suspended op (about 260
    /// instructions of 3,690 with 32 tasks awaiting NOPs, BENCHMARKS.md).
    @inline(__always)
    nonisolated(nonsending) private func submitAfter(_ attempt: InlineAttempt, _ op: Op, cancellable: Bool) async -> Completion {
        var pushed: OpKey?
        switch attempt {
        case .elsewhere:
            return await submitFromElsewhere(op, cancellable: cancellable)
        case .pushed(let key):
            pushed = key
        case .notTried:
            break
        case .yieldFirst(let kind):
            // Let the loop turn once (as ``yield()`` does), then decide again
            // with a fresh budget.
            await yieldOnThread()
            if inlineDecision(op).decision == .attempt, !(cancellable && currentTaskIsCancelled) {
                switch pushInline(op, kind: kind) {
                case .ready(let completion): return completion
                case .pending(let key): pushed = key
                }
            }
        }
        let token = core.pointee.waiters.reserve()
        let polls = core.pointee.polls
        // The task suspends without `withUnsafeContinuation`, which hops to
        // the caller's isolation before suspending and after resuming: two
        // executor checks, each reading the task's executor preference under
        // its status lock (about 500 instructions per suspended op). Here the
        // caller is always outside any actor on the runtime's thread
        // (``attemptInline`` sends the rest through ``submitFromElsewhere``),
        // and the continuation resumes the task on the executor it suspended
        // on, which is therefore already the right one.
        guard cancellable else {
            return await _unsafeInheritExecutor_withUnsafeContinuation { continuation in
                park(op, pushed: pushed, token: token, waiter: continuation, polls: polls)
            }
        }
        if let scope = TaskCancelScope.ofCurrentTask(on: self) {
            // The task's own handler cancels whatever op `waiting` names.
            if pushed == nil, scope._withUnsafeGuaranteedRef({ $0.cancelled.load(ordering: .acquiring) }) {
                _ = core.pointee.waiters.recordCancelIfReserved(token)
            }
            let completion = await _unsafeInheritExecutor_withUnsafeContinuation { continuation in
                park(op, pushed: pushed, token: token, waiter: continuation, polls: polls)
                scope._withUnsafeGuaranteedRef { $0.waiting = token }
            }
            scope._withUnsafeGuaranteedRef { $0.waiting = nil }
            return completion
        }
        return await withTaskCancellationHandler {
            await _unsafeInheritExecutor_withUnsafeContinuation { continuation in
                park(op, pushed: pushed, token: token, waiter: continuation, polls: polls)
            }
        } onCancel: {
            requestCancel(token)
        }
    }

    /// Suspends the task on its op: one already `pushed` by an inline attempt,
    /// or `op`, started now.
    @inline(__always)
    private func park(
        _ op: Op, pushed: OpKey?, token: WaiterToken, waiter: UnsafeContinuation<Completion, Never>, polls: Int
    ) {
        if let pushed {
            awaitPushed(pushed, token: token, waiter: waiter, polls: polls)
        } else {
            start(op, token: token, waiter: waiter)
        }
    }

    /// Whether the caller runs outside any actor. A function instead of an
    /// inline `#isolation == nil`: Swift 6.3 crashes compiling that comparison
    /// in a `nonisolated(nonsending)` function without optimization.
    @inline(__always)
    private static func isNonisolated(_ isolation: (any Actor)?) -> Bool { isolation == nil }

    /// The way in from another thread or actor. A `@concurrent` function
    /// leaves the caller's actor for the generic executor: a task that
    /// prefers this runtime lands on its thread, any other is given the
    /// preference for the call.
    @concurrent
    private func submitFromElsewhere(_ op: Op, cancellable: Bool) async -> Completion {
        if isOnRuntimeThread {
            return cancellable ? await submit(op) : await submitUncancellable(op)
        }
        return await withTaskExecutorPreference(self) {
            precondition(isOnRuntimeThread, "Runtime: the executor preference did not reach the runtime's thread")
            return cancellable ? await submit(op) : await submitUncancellable(op)
        }
    }

    /// What to do with `op` (``InlineCompletionPolicy/decide(kind:othersReady:)``),
    /// and its kind. Never inline while ops wait in the runtime for room in
    /// the driver (they go first), nor, where an eager push would enter the
    /// kernel with a batch (``Driver/batchesEagerPush(of:)``), while ops
    /// pushed since the last poll wait in it or other tasks are ready to add
    /// theirs: the op joins the batch instead of entering early for all.
    @inline(__always)
    private func inlineDecision(_ op: Op) -> (kind: Int, decision: InlineCompletionPolicy.Decision) {
        let kind = InlineCompletionPolicy.kind(of: op)
        guard core.pointee.waiters.queuedCount == 0, driver.inFlight < maxInFlight else { return (kind, .submit) }
        // Read once: the batching check and the policy both ask.
        let others = othersReady
        if (core.pointee.pushedSincePoll || others) && driver.batchesEagerPush(of: op) { return (kind, .submit) }
        return (kind, core.pointee.inline.decide(kind: kind, othersReady: others))
    }

    /// Whether anything else could use the thread now.
    private var othersReady: Bool {
        !core.pointee.jobs.isIdle || !core.pointee.yielders.isEmpty || !core.pointee.cancelRequests.isEmpty
            || !core.pointee.scopeCancels.isEmpty || remote.mayHaveWork
    }

    /// Pushes `op` eagerly; completions of other ops found on the way resume
    /// their tasks (they run once this one suspends).
    private func pushInline(_ op: Op, kind: Int) -> PushResult {
        let result = driver.pushEagerly(op) { completion in
            core.pointee.eagerDeliveries &+= 1
            deliver(completion)
        }
        let completed = if case .ready = result { true } else { false }
        core.pointee.inline.record(kind: kind, completedInline: completed)
        if completed { core.pointee.inlineCompletions &+= 1 }
        return result
    }

    /// Parks the task of an op that tried to complete inline and went to the
    /// driver instead. Nothing may have polled since the push: the op's
    /// completion would have found no waiter.
    private func awaitPushed(_ key: OpKey, token: WaiterToken, waiter: UnsafeContinuation<Completion, Never>, polls: Int) {
        precondition(
            isOnRuntimeThread && core.pointee.polls == polls,
            "Runtime: the loop ran between an op's push and its await")
        // The task may have been cancelled between the push and the handler's
        // registration; the handler then found the slot reserved.
        if core.pointee.waiters.markPending(token, key: key, waiter: waiter, pushedFirst: true) || core.pointee.draining {
            core.pointee.cancelRequests.append(token)
        }
    }

    /// Pushes a reserved op, or queues it when the driver is full, or completes
    /// it at once when its task was cancelled first or the runtime is shut down.
    private func start(_ op: Op, token: WaiterToken, waiter: UnsafeContinuation<Completion, Never>) {
        assert(isOnRuntimeThread, "Runtime: an op was started off the runtime's thread")
        let refusal: IOError? =
            core.pointee.waiters.isCancelRequested(token) ? .errno(.canceled)
            : core.pointee.isShutDown ? .shutdown : nil
        if let refusal {
            core.pointee.waiters.release(token)
            waiter.resume(returning: Completion(key: .immediate, op: op, result: .failure(refusal)))
        } else if core.pointee.waiters.queuedCount > 0 || driver.inFlight >= maxInFlight {
            core.pointee.waiters.markQueued(token, op: op, waiter: waiter)
        } else {
            push(op, token: token, waiter: waiter)
        }
    }

    /// Hands a reserved op to the driver.
    func push(_ op: Op, token: WaiterToken, waiter: UnsafeContinuation<Completion, Never>) {
        switch driver.push(op) {
        case .ready(let completion):
            core.pointee.waiters.release(token)
            waiter.resume(returning: completion)
        case .pending(let key):
            core.pointee.pushedSincePoll = true
            core.pointee.waiters.markPending(token, key: key, waiter: waiter)
            // Ops started while draining must not hold the drain up.
            if core.pointee.draining { core.pointee.cancelRequests.append(token) }
        }
    }

    /// The cancellation handler's whole job: record the request and wake the
    /// loop. It may run on any thread, before the op was pushed, and while
    /// the task's status lock is held, so it never touches the driver and
    /// never resumes anything; the loop does both (``processCancels()``).
    func requestCancel(_ token: WaiterToken) {
        if isOnRuntimeThread {
            // Before the push (the task was already cancelled): the push sees
            // the flag and completes the op without running it.
            if !core.pointee.waiters.recordCancelIfReserved(token) {
                core.pointee.cancelRequests.append(token)
            }
        } else {
            remote.pushCancel(token)
            notifier.notify()
        }
    }
}
