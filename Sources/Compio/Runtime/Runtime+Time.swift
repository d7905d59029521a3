extension Runtime {
    /// Suspends the calling task until `deadline` on the driver's clock.
    ///
    /// Runs on the runtime's own timers (no thread hop, virtual time under
    /// CompioSim). Throws `CancellationError` if the task is or becomes
    /// cancelled before the deadline. Called off the runtime's thread, it hops
    /// there first.
    public func sleep(until deadline: Instant) async throws(CancellationError) {
        guard isOnRuntimeThread else {
            return try await withTaskExecutorPreference(self) { () async throws(CancellationError) in
                try await self.sleep(until: deadline)
            }
        }
        if Task.isCancelled { throw CancellationError() }
        let token = core.pointee.waiters.reserve()
        let fired = await withTaskCancellationHandler {
            await withUnsafeContinuation { (waiter: UnsafeContinuation<Bool, Never>) in
                if core.pointee.waiters.isCancelRequested(token) {
                    core.pointee.waiters.release(token)
                    waiter.resume(returning: false)
                } else if core.pointee.draining || core.pointee.isShutDown {
                    core.pointee.waiters.release(token)
                    waiter.resume(returning: false)
                } else {
                    core.pointee.waiters.markSleeping(token, waiter: waiter)
                    core.pointee.timers.insert(token, deadline: deadline)
                }
            }
        } onCancel: {
            requestCancel(token)
        }
        if !fired { throw CancellationError() }
    }

    /// Suspends the calling task for `duration` on the driver's clock; see
    /// ``sleep(until:)``.
    public func sleep(for duration: Duration) async throws(CancellationError) {
        try await sleep(until: now.advanced(by: duration))
    }

    /// Runs `body`, and if it has not finished after `duration`, cancels it and
    /// throws ``TimeoutError``.
    ///
    /// The body runs as a child task on this runtime. Cancellation is
    /// cooperative: `timeout` returns once the cancelled body has returned, so
    /// a body that ignores cancellation delays it. If the calling task is
    /// cancelled, the body is cancelled and its outcome (or
    /// `CancellationError`) is what `timeout` reports.
    public func timeout<T: Sendable>(
        after duration: Duration, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let deadline = now.advanced(by: duration)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await self.sleep(until: deadline)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let value = first else { throw TimeoutError(duration: duration) }
            return value
        }
    }

    /// Ticks every `period`, starting now; see ``Interval``.
    public func interval(every period: Duration) -> Interval {
        Interval(runtime: self, start: now, period: period)
    }

    /// Ticks every `period`, the first tick at `start`; see ``Interval``.
    public func interval(startingAt start: Instant, every period: Duration) -> Interval {
        Interval(runtime: self, start: start, period: period)
    }
}
