import Compio

extension Scenario {
    /// More blocking jobs at once than the pool has threads: exactly the
    /// excess is refused with `poolBusy` (the op never ran), every accepted
    /// job returns its own value, and the pool takes work again afterwards.
    public static let poolExhaustion = Scenario(
        name: "pool-exhaustion", summary: "spawnBlocking beyond the pool's limit: the excess gets poolBusy",
        poolLimit: 2
    ) { context in
        let limit = context.world.poolLimit
        let work = context.world.blockingWork
        for round in 0..<2 {
            let jobs = round == 0 ? limit + 3 : limit
            var handles: [JoinHandle<Result<Int, IOError>, Never>] = []
            for j in 0..<jobs {
                handles.append(context.runtime.spawn { () async -> Result<Int, IOError> in
                    do throws(IOError) {
                        return .success(try await context.runtime.spawnBlocking { () -> Int in
                            work()
                            return j * 7
                        })
                    } catch {
                        return .failure(error)
                    }
                })
            }
            var accepted = 0
            var refused = 0
            for (j, handle) in handles.enumerated() {
                switch await handle.value {
                case .success(let value):
                    try context.check(value == j * 7, "job \(j) returned \(value)")
                    accepted += 1
                case .failure(.poolBusy): refused += 1
                case .failure(let error): throw ScenarioFailure("job \(j) failed: \(error)")
                }
            }
            try context.check(accepted == min(jobs, limit) && refused == jobs - accepted,
                "round \(round): \(accepted) accepted, \(refused) refused of \(jobs) jobs with a pool of \(limit)")
        }
    }
}
