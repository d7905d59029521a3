import CLinux
import Compio
import Glibc

/// Runs a runtime on a thread of its own and hands its result to an async test.
///
/// Calling `blockOn` on a thread of Swift's cooperative pool (which is where
/// async tests run) deadlocked on this 2-core machine in the spike, so every
/// runtime test goes through here. The runtime is built on the new thread,
/// runs `body` in `blockOn`, and is released (which shuts its driver down)
/// before the result is handed back, so fd and buffer counts taken around a
/// call include the runtime's own.
enum RuntimeHarness {
    /// Builds a runtime on `choice` on a new thread and runs `body` in its `blockOn`.
    static func run<T: Sendable>(
        _ choice: DriverBuilder.Choice,
        configure: @escaping @Sendable (inout RuntimeBuilder) -> Void = { _ in },
        _ body: @escaping @Sendable (Runtime) async throws -> T
    ) async throws -> T {
        try await onOwnThread {
            var builder = RuntimeBuilder(choice: choice)
            configure(&builder)
            let runtime = try builder.build()
            return try runtime.blockOn { () async throws -> T in try await body(runtime) }
        }
    }

    /// Runs `body` on a new pthread and returns (or throws) what it does.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let start = Unmanaged.passRetained(ThreadStart {
                continuation.resume(with: Result { try body() })
            })
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { context in
                let start = Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue()
                start.body()
                return nil
            }, start.toOpaque())
            if rc != 0 {
                start.release()
                continuation.resume(throwing: IOError.code(rc))
            } else {
                pthread_detach(thread)
            }
        }
    }

    /// The calling thread's kernel id.
    static var threadID: Int32 { clinux_gettid() }
}

private final class ThreadStart: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

extension Runtime {
    /// Lets the runtime work until `condition` holds or `timeout` passes on the
    /// runtime's clock; returns whether it held. Tests wait with this instead
    /// of an open loop, so a wrong assumption fails the test rather than
    /// hanging the suite.
    @discardableResult
    func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = now.advanced(by: timeout)
        while !condition() {
            if now >= deadline { return false }
            await yield()
        }
        return true
    }
}
