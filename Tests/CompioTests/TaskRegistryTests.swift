import Synchronization
import Testing
@testable import Compio

/// `TaskRegistry.cancelAll` cancels in the order the tasks were spawned: under
/// CompioSim the order of the cancels is part of a seed's trace, and a
/// dictionary's order follows its storage's address, which differs between
/// two runs of one seed.
@Suite struct TaskRegistryTests {
    private final class Recorder: Sendable {
        let order = Mutex<[UInt64]>([])
    }

    private struct FakeTask: CancellableTask {
        let id: UInt64
        let recorder: Recorder
        func cancel() { recorder.order.withLock { $0.append(id) } }
    }

    @Test func cancelAllGoesInSpawnOrder() {
        for _ in 0..<20 {
            let registry = TaskRegistry()
            let recorder = Recorder()
            var ids: [UInt64] = []
            for _ in 0..<40 {
                let id = registry.reserveID()
                registry.insert(id, FakeTask(id: id, recorder: recorder))
                ids.append(id)
            }
            // A few finish first, as real tasks do.
            for id in ids where id % 7 == 3 { registry.finished(id) }
            registry.cancelAll()
            let expected = ids.filter { $0 % 7 != 3 }
            #expect(recorder.order.withLock { $0 } == expected)
        }
    }
}
