import Synchronization

/// The value of a ``Runtime/blockOn(_:)`` body, handed from its task to the loop.
private final class BlockOnResult<T, E: Error>: @unchecked Sendable {
    var result: Result<T, E>?
    let done = Atomic<Bool>(false)
}

extension Runtime {
    /// Runs `body` and everything it spawns on the calling thread until `body`
    /// returns, and returns its value (or rethrows its error).
    ///
    /// When the body returns, whatever it left running is cancelled and drained
    /// before `blockOn` returns: spawned tasks are cancelled, every op still in
    /// the driver is cancelled and its completion awaited (so buffers come back
    /// and descriptors an op created are closed), timers are woken as
    /// cancelled, and the loop runs until those tasks finish. Tasks that wait
    /// on something outside the runtime (a continuation nobody resumes) cannot
    /// be forced and are abandoned after a short grace period. The runtime can
    /// run another `blockOn` afterwards.
    ///
    /// - Precondition: called on the thread that built the runtime, not from
    ///   inside another `blockOn`.
    public func blockOn<T, E: Error>(_ body: sending @escaping () async throws(E) -> T) throws(E) -> T {
        preconditionOnRuntimeThread("blockOn")
        precondition(!core.pointee.running, "Runtime: blockOn is not reentrant")
        precondition(!core.pointee.isShutDown, "Runtime: blockOn after shutdown")
        core.pointee.running = true
        let previous = RuntimeThreadLocal.current
        RuntimeThreadLocal.set(self)
        defer {
            RuntimeThreadLocal.set(previous)
            core.pointee.running = false
        }

        let box = BlockOnResult<T, E>()
        Task(executorPreference: self) { [self] in
            do throws(E) {
                box.result = .success(try await withCancelScope { () async throws(E) -> T in try await body() })
            } catch {
                box.result = .failure(error)
            }
            box.done.store(true, ordering: .releasing)
            // The body may have ended off the runtime's thread (after a hop
            // to another actor): the loop may be blocked in poll.
            if !isOnRuntimeThread { notifier.notify() }
        }
        while !box.done.load(ordering: .acquiring) {
            turn { box.done.load(ordering: .acquiring) }
        }
        drain()
        return try box.result!.get()
    }

    /// One turn of the loop: take what other threads sent, act on cancel
    /// requests, run the ready jobs, then poll the driver (blocking only when
    /// nothing is ready and `finished` says the caller still waits) and fire
    /// due timers.
    func turn(finished: () -> Bool = { false }) {
        takeRemote()
        processCancels()
        // No inline completion while draining: ops started then must reach
        // the driver's cancel; nor with injected test faults, which need ops
        // that wait in the driver (the self-checks alone do not mind).
        let inline = !core.pointee.draining && (core.pointee.testing?.faults.isEmpty ?? true)
        core.pointee.jobs.beginBatch()
        while let job = core.pointee.jobs.nextInBatch() {
            core.pointee.inline.refill(enabled: inline)
            run(job)
        }
        core.pointee.jobs.endBatch()
        processCancels()
        pushQueued()

        let idle = core.pointee.jobs.isEmpty && !remote.mayHaveWork && core.pointee.cancelRequests.isEmpty
            && core.pointee.scopeCancels.isEmpty
            && core.pointee.yielders.isEmpty && !finished()
        if idle || driver.inFlight > 0 {
            var timeout: Duration? = .zero
            if idle, let deadline = core.pointee.timers.nextDeadline {
                let left = driver.now.duration(to: deadline)
                timeout = left > .zero ? left : .zero
            } else if idle {
                timeout = nil
            }
            poll(timeout: timeout)
        }
        fireDueTimers()
        resumeYielders()
    }

    private func resumeYielders() {
        guard !core.pointee.yielders.isEmpty else { return }
        swap(&core.pointee.spareYielders, &core.pointee.yielders)
        for i in core.pointee.spareYielders.indices { core.pointee.spareYielders[i].resume() }
        core.pointee.spareYielders.removeAll(keepingCapacity: true)
    }

    private func poll(timeout: Duration?) {
        core.pointee.polls &+= 1
        core.pointee.pushedSincePoll = false
        do {
            try driver.poll(timeout: timeout) { completion in deliver(completion) }
        } catch {
            // A poll that fails means the driver itself is broken (the ring or
            // epoll instance is gone); no op could complete after this.
            preconditionFailure("Runtime: driver poll failed: \(error)")
        }
        pushQueued()
    }

    /// Resumes the task waiting for `completion`.
    func deliver(_ completion: consuming Completion) {
        let waiter = core.pointee.waiters.complete(completion.key)
        if core.pointee.testing != nil, !testingMayResume(completion.key) { return }
        waiter.resume(returning: completion)
    }

    private func takeRemote() {
        guard remote.mayHaveWork else { return }
        remote.drain(
            jobs: &core.pointee.spareJobs, cancels: &core.pointee.spareCancels,
            scopeCancels: &core.pointee.spareScopeCancels)
        for i in core.pointee.spareJobs.indices { core.pointee.jobs.push(core.pointee.spareJobs[i]) }
        core.pointee.cancelRequests.append(contentsOf: core.pointee.spareCancels)
        core.pointee.scopeCancels.append(contentsOf: core.pointee.spareScopeCancels)
        core.pointee.spareJobs.removeAll(keepingCapacity: true)
        core.pointee.spareCancels.removeAll(keepingCapacity: true)
        core.pointee.spareScopeCancels.removeAll(keepingCapacity: true)
    }

    /// Acts on recorded cancel requests. Only here, on the loop, does a cancel
    /// touch the driver or resume a waiter.
    func processCancels() {
        // A cancelled task's op, if it waits on one now; otherwise its next op
        // finds the task cancelled and is not run.
        while let scope = core.pointee.scopeCancels.popLast() {
            if let token = scope.waiting { core.pointee.cancelRequests.append(token) }
        }
        while let token = core.pointee.cancelRequests.popLast() {
            switch core.pointee.waiters.requestCancel(token) {
            case .stale, .recorded, .alreadyIssued:
                break
            case .issueDriverCancel(let key):
                driver.cancel(key)
                if core.pointee.testing != nil { testingResumeOnCancel(token, key: key) }
            case .completeQueued(let op, let waiter):
                waiter.resume(returning: Completion(key: .immediate, op: op, result: .failure(.errno(.canceled))))
            case .wakeSleeper(let waiter):
                core.pointee.timers.remove(token)
                waiter.resume(returning: false)
            }
        }
    }

    /// Moves ops waiting in the runtime into the driver while there is room.
    private func pushQueued() {
        while core.pointee.waiters.queuedCount > 0, driver.inFlight < maxInFlight,
            let (token, op, waiter) = core.pointee.waiters.popQueued()
        {
            push(op, token: token, waiter: waiter)
        }
    }

    private func fireDueTimers() {
        guard !core.pointee.timers.isEmpty else { return }
        let now = driver.now
        while let token = core.pointee.timers.popDue(now: now) {
            core.pointee.waiters.fire(token).resume(returning: true)
        }
    }

    /// Cancels and drains everything in flight; see ``blockOn(_:)``.
    func drain() {
        core.pointee.draining = true
        core.pointee.inline.revoke()
        defer { core.pointee.draining = false }
        tasks.cancelAll()
        var idleTurns = 0
        while true {
            cancelEverything()
            let busy = !core.pointee.jobs.isEmpty || remote.mayHaveWork || core.pointee.waiters.active > 0
                || driver.inFlight > 0 || !core.pointee.yielders.isEmpty
            if !busy {
                if tasks.count == 0 { return }
                // Tasks left that wait on something outside the runtime; give
                // other threads a moment to wake them, then abandon them.
                idleTurns += 1
                if idleTurns > 100 { return }
                poll(timeout: .milliseconds(10))
                continue
            }
            idleTurns = 0
            // Block only for completions that are sure to come.
            turn { driver.inFlight == 0 }
        }
    }

    /// Queues a cancel for every op and timer still waiting.
    private func cancelEverything() {
        core.pointee.cancelRequests.append(contentsOf: core.pointee.waiters.cancellableTokens)
        processCancels()
    }

    /// Shuts the runtime down: drains whatever is left (as at the end of
    /// ``blockOn(_:)``), then shuts the driver down. Later ops fail with
    /// ``IOError/shutdown``. Idempotent; called by `deinit`.
    ///
    /// - Precondition: on the runtime's thread, not inside `blockOn`.
    public func shutdown() {
        preconditionOnRuntimeThread("shutdown")
        precondition(!core.pointee.running, "Runtime: shutdown inside blockOn")
        guard !core.pointee.isShutDown else { return }
        shutDownForRemote.store(true, ordering: .releasing)
        drain()
        core.pointee.isShutDown = true
        driver.shutdown()
    }
}
