extension Runtime {
    /// Runs `body` on this runtime's thread and returns its value; callable
    /// from any thread, including a task of another runtime.
    ///
    /// The body is spawned as a task of this runtime (``spawn(_:)`` is
    /// thread-safe) and the caller awaits it where it is, so the caller's own
    /// runtime keeps running meanwhile. The body runs when this runtime runs
    /// ``blockOn(_:)``; submitted between two `blockOn`s, it waits for the
    /// next. Cancelling the caller cancels the body. Fails with
    /// ``IOError/shutdown`` when this runtime has been shut down (a body
    /// submitted while ``shutdown()`` drains is cancelled with the rest).
    public func run<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> T {
        guard !shutDownForRemote.load(ordering: .acquiring) else { throw IOError.shutdown }
        let handle = spawn(body)
        return try await withTaskCancellationHandler {
            try await handle.value
        } onCancel: {
            handle.cancel()
        }
    }
}
