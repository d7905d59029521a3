extension Runtime {
    /// Ops the runtime holds: in the driver, or waiting in the runtime for room.
    public var inFlight: Int {
        preconditionOnRuntimeThread("inFlight")
        return core.pointee.waiters.pendingCount + core.pointee.waiters.queuedCount
    }

    /// Lets every other ready task run, and the driver be polled, before the
    /// caller continues. Unlike `Task.yield()`, allocates nothing.
    public func yield() async {
        guard isOnRuntimeThread else {
            return await withTaskExecutorPreference(self) { await self.yield() }
        }
        await withUnsafeContinuation { core.pointee.yielders.append($0) }
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
    /// reused slot. Called off the runtime's thread, it hops there first.
    ///
    /// Deliberately not `nonisolated(nonsending)`, although that saves an
    /// executor hop (about 8 % of an awaited NOP). Its body must run on the
    /// runtime's thread *because of the task's executor preference*: then the
    /// operation closure of `withTaskCancellationHandler`, which hops to the
    /// generic executor, stays there. A nonsending `submit` called from an
    /// actor pinned to the runtime by a task without that preference (a
    /// detached task) passed the thread check, and the closure then ran
    /// `start` on the global pool, pushing to the driver from the wrong
    /// thread (the op never completed).
    public func submit(_ op: Op) async -> Completion {
        guard isOnRuntimeThread else { return await submitFromElsewhere(op, cancellable: true) }
        let token = core.pointee.waiters.reserve()
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                start(op, token: token, waiter: continuation)
            }
        } onCancel: {
            requestCancel(token)
        }
    }

    /// Like ``submit(_:)``, but the calling task's cancellation does not reach
    /// the op: for work that must finish once started (``spawnBlocking(_:)``)
    /// and for ops too short to be worth a cancellation handler. Shutdown still
    /// cancels it.
    public func submitUncancellable(_ op: Op) async -> Completion {
        guard isOnRuntimeThread else { return await submitFromElsewhere(op, cancellable: false) }
        let token = core.pointee.waiters.reserve()
        return await withUnsafeContinuation { continuation in
            start(op, token: token, waiter: continuation)
        }
    }

    /// The way in from another thread or actor. A plain (`@concurrent`) async
    /// function leaves the caller's actor, so the executor preference takes
    /// the task to the runtime's thread; a `nonisolated(nonsending)` one would
    /// stay on the caller's actor and never get there.
    @concurrent
    private func submitFromElsewhere(_ op: Op, cancellable: Bool) async -> Completion {
        await withTaskExecutorPreference(self) {
            precondition(isOnRuntimeThread, "Runtime: the executor preference did not reach the runtime's thread")
            return cancellable ? await submit(op) : await submitUncancellable(op)
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
