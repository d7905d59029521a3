import Glibc

/// Runs work that blocks (a runtime's `blockOn`) on a new thread of its own.
///
/// Async tests run on Swift's cooperative pool, and blocking one of its few
/// threads in `blockOn` deadlocked on a 2-core machine; every scenario run
/// from an async context goes through here.
public enum ScenarioThread {
    /// Runs `body` on a new pthread and returns (or throws) what it does.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let start = Unmanaged.passRetained(ThreadBody { continuation.resume(with: Result { try body() }) })
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { context in
                Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, start.toOpaque())
            if rc != 0 {
                start.release()
                continuation.resume(throwing: ScenarioFailure("pthread_create failed: \(rc)"))
            } else {
                pthread_detach(thread)
            }
        }
    }
}

private final class ThreadBody: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
