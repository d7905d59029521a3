import Compio
import CompioScenarios

extension Scenario {
    /// The shape of the simulator's throughput target: exactly 100 ops per seed
    /// without faults (an open, a nop, 96 writes, reads and nops from four
    /// tasks, a close and an unlink), a few more with faults (retries, short
    /// writes), all through the runtime.
    ///
    /// Each task owns a region of one shared file and checks every read
    /// against what it wrote there, so the scenario also checks what it runs.
    public static let ops100 = Scenario(
        name: "ops100", summary: "exactly 100 ops per seed: file writes, reads and nops from four tasks on one file"
    ) { context in
        let tasks = 4
        let opsPerTask = 24
        let records = 16
        let recordSize = 16
        let file = try await context.createFile("ops100")
        _ = try await context.run { .nop }.result.get()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                // One cancellation handler per worker instead of one per op,
                // as a user's structured children on a runtime would do.
                group.addTask { try await context.runtime.withCancelScope { () async throws -> Void in
                    var random = context.random(UInt64(t))
                    // What each record of this task's region holds, when known.
                    var known = [[UInt8]?](repeating: nil, count: records)
                    for _ in 0..<opsPerTask {
                        let record = random.int(0...records - 1)
                        let offset = (t * records + record) * recordSize
                        switch random.int(0...9) {
                        case 0...3:
                            let data = random.bytes(recordSize)
                            let (_, error) = await context.writeAll(file, data, at: offset)
                            if let error {
                                try context.check(context.tolerated(error), "task \(t): writeAt \(offset) failed: \(error)")
                                known[record] = nil
                            } else {
                                known[record] = data
                            }
                        case 4...7:
                            switch await context.read(file, count: recordSize, at: offset) {
                            case .success(let data):
                                guard let want = known[record] else { break }
                                let complete = data.count == recordSize || context.world.faults
                                try context.check(complete && data[...] == want[..<data.count], "task \(t): read at \(offset) gave \(data), wrote \(want)")
                            case .failure(let error):
                                try context.check(context.tolerated(error), "task \(t): readAt \(offset) failed: \(error)")
                            }
                        default:
                            _ = try await context.run { .nop }.result.get()
                        }
                    }
                } }
            }
            try await group.waitForAll()
        }
        try await context.close(file)
        try await context.removeFile("ops100")
    }
}
