/// The `SerialExecutor` that pins actors to a ``Runtime``.
///
/// An actor that returns ``Runtime/serialExecutor`` from `unownedExecutor`
/// runs every method on the runtime's thread, and `preconditionIsolated()`
/// holds there:
///
/// ```swift
/// actor Counter {
///     let runtime: Runtime
///     nonisolated var unownedExecutor: UnownedSerialExecutor {
///         runtime.serialExecutor.asUnownedSerialExecutor()
///     }
/// }
/// ```
///
/// It is a separate object from the runtime on purpose: running every job
/// isolated to one combined executor cost six jobs per awaited op instead of
/// one in the spike. The runtime holds it; the actor's unowned reference is
/// valid as long as the runtime is.
public final class RuntimeSerialExecutor: SerialExecutor, @unchecked Sendable {
    /// Set once by the runtime that owns this executor, right after creating it.
    unowned(unsafe) var runtime: Runtime?

    init() {}

    /// Queues an actor job on the runtime, to run isolated to this executor.
    public func enqueue(_ job: consuming ExecutorJob) {
        runtime!.schedule(ReadyJob(job: UnownedJob(job), isolated: true))
    }

    /// Traps unless the caller runs on the runtime's thread, where every job of
    /// this executor runs one at a time.
    public func checkIsolated() {
        precondition(runtime!.isOnRuntimeThread, "RuntimeSerialExecutor: not on the runtime's thread")
    }
}
