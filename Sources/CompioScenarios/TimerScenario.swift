import Compio

extension Scenario {
    /// Sleeps, cancelled sleeps and timeouts on the driver's clock. Under
    /// simulation the unit is half an hour of virtual time.
    public static let timers = Scenario(
        name: "timers", summary: "sleeps, cancelled sleeps and timeouts on the runtime's clock"
    ) { context in
        let runtime = context.runtime
        var sleepers: [JoinHandle<Void, any Error>] = []
        for s in 0..<6 {
            sleepers.append(runtime.spawn {
                var random = context.random(UInt64(s))
                let duration = context.units(random.int(1...12))
                let deadline = runtime.now.advanced(by: duration)
                try await runtime.sleep(until: deadline)
                try context.check(runtime.now >= deadline, "sleeper \(s) woke before its deadline")
            })
        }
        let doomed = runtime.spawn { () async throws -> Bool in
            let deadline = runtime.now.advanced(by: context.units(100))
            do {
                try await runtime.sleep(until: deadline)
                return false
            } catch {
                return runtime.now < deadline
            }
        }
        var timeouts: [JoinHandle<Void, any Error>] = []
        for t in 0..<4 {
            timeouts.append(runtime.spawn {
                var random = context.random(UInt64(10 + t))
                let limit = random.int(3...10)
                let work = random.chance(0.5) ? limit - random.int(2...3) : limit + random.int(2...3)
                let workDuration = context.units(work)
                do {
                    let value = try await runtime.timeout(after: context.units(limit)) { () async throws -> Int in
                        try await runtime.sleep(for: workDuration)
                        return work
                    }
                    try context.check(work < limit && value == work, "timeout \(t): work of \(work) units finished within \(limit)")
                } catch is TimeoutError {
                    try context.check(work > limit, "timeout \(t): work of \(work) units timed out at \(limit)")
                }
            })
        }
        try await runtime.sleep(for: context.units(2))
        doomed.cancel()
        try context.check(try await doomed.value, "a cancelled sleep did not end early with CancellationError")
        for sleeper in sleepers { try await sleeper.value }
        for timeout in timeouts { try await timeout.value }
    }
}
