/// Deliberate runtime bugs, for mutation tests of CompioSim's checkers.
///
/// Test-only: a checker that never fails proves nothing, so the simulation
/// tests switch one of these on and expect the checkers to catch it. Never
/// set outside tests.
public struct RuntimeTestingFaults: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: UInt8

    /// An option set from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `SharedDescriptor.close()` issues the close at once, while ops still
    /// hold the descriptor (breaks invariant 4).
    public static let closeBeforeInFlightOpsFinish = RuntimeTestingFaults(rawValue: 1)
    /// A cancelled op's continuation is resumed with `ECANCELED` as soon as the
    /// driver cancel is issued, before the op's own completion arrives (breaks
    /// invariants 1 and 2: the buffer goes back early, and the completion would
    /// resume the continuation a second time).
    public static let resumeOnCancel = RuntimeTestingFaults(rawValue: 2)
}

/// The runtime's self-checks, kept only when a test asks for them.
struct RuntimeTesting {
    var faults: RuntimeTestingFaults = []
    /// Keys of in-flight ops whose continuation was already resumed.
    var resumedEarly: Set<OpKey> = []
    /// Shared descriptors the ``RuntimeTestingFaults/closeBeforeInFlightOpsFinish`` fault closed.
    var closedEarly: Set<ObjectIdentifier> = []
    var violations: [String] = []
}

extension Runtime {
    /// Switches the runtime's self-checks on and injects `faults` (none: checks
    /// only). Test-only; call on the runtime's thread before ``blockOn(_:)``.
    public func _enableTestingChecks(faults: RuntimeTestingFaults = []) {
        preconditionOnRuntimeThread("_enableTestingChecks")
        core.pointee.testing = RuntimeTesting(faults: faults)
    }

    /// The faults injected (empty unless ``_enableTestingChecks(faults:)`` set some).
    public var _testingFaults: RuntimeTestingFaults {
        guard isOnRuntimeThread else { return [] }
        return core.pointee.testing?.faults ?? []
    }

    /// What the self-checks found: continuations resumed twice, and with
    /// `final` (after ``blockOn(_:)`` returned), ops whose waiter never left the
    /// table and tasks that never finished. Empty when checks are off.
    public func _testingViolations(final: Bool) -> [String] {
        preconditionOnRuntimeThread("_testingViolations")
        guard let testing = core.pointee.testing else { return [] }
        var found = testing.violations
        if final {
            let waiting = core.pointee.waiters.active
            if waiting > 0 { found.append("op never completed: \(waiting) waiter(s) still in the runtime's table after blockOn") }
            let tasks = tasks.count
            if tasks > 0 { found.append("task never finished: \(tasks) spawned task(s) still running after blockOn") }
        }
        return found
    }

    /// Whether the continuation of the op completing under `key` may be resumed
    /// now: false (recorded as a violation) when it was already resumed.
    func testingMayResume(_ key: OpKey) -> Bool {
        guard core.pointee.testing!.resumedEarly.remove(key) != nil else { return true }
        // A second resume of an UnsafeContinuation is undefined behaviour that
        // takes the test process down; record it and suppress it instead.
        core.pointee.testing!.violations.append("continuation resumed twice: op \(key) was resumed by its cancel, then completed")
        return false
    }

    /// The ``RuntimeTestingFaults/resumeOnCancel`` bug itself.
    func testingResumeOnCancel(_ token: WaiterToken, key: OpKey) {
        guard core.pointee.testing?.faults.contains(.resumeOnCancel) == true,
            let waiter = core.pointee.waiters.pendingWaiter(token)
        else { return }
        core.pointee.testing!.resumedEarly.insert(key)
        waiter.resume(returning: Completion(key: key, op: .nop, result: .failure(.errno(.canceled))))
    }

    /// The ``RuntimeTestingFaults/closeBeforeInFlightOpsFinish`` bug: closes
    /// `descriptor` now, ops in flight or not.
    func testingCloseEarly(_ descriptor: SharedDescriptor) async {
        core.pointee.testing!.closedEarly.insert(ObjectIdentifier(descriptor))
        _ = await submitUncancellable(.close(fd: descriptor.raw))
    }

    /// Whether the fault already closed `descriptor` (so its real close must not be issued again).
    func testingWasClosedEarly(_ descriptor: SharedDescriptor) -> Bool {
        guard isOnRuntimeThread, core.pointee.testing != nil else { return false }
        return core.pointee.testing!.closedEarly.remove(ObjectIdentifier(descriptor)) != nil
    }
}
