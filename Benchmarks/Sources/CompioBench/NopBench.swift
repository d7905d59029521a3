import BenchSupport
import Compio

/// Awaited NOP round trips through the runtime: `--tasks` tasks, each awaiting
/// one NOP at a time, for `--seconds` after a warm-up. `--inline N` sets
/// ``RuntimeBuilder/inlineCompletionLimit`` (0: every op suspends its task).
enum NopBench {
    static func run(_ options: Options) throws {
        var builder = RuntimeBuilder(choice: options.driver)
        builder.inlineCompletionLimit = options.int("inline", builder.inlineCompletionLimit)
        let runtime = try builder.build()
        let tasks = options.int("tasks", 1)
        let meter = Meter(options)
        runtime.blockOn {
            if tasks == 1 {
                while !meter.stopped {
                    await BenchIO.nop(runtime)
                    meter.tick()
                }
                return
            }
            var handles: [JoinHandle<Void, Never>] = []
            for _ in 0..<tasks {
                handles.append(runtime.spawn {
                    while !meter.stopped {
                        await BenchIO.nop(runtime)
                        meter.tick()
                    }
                })
            }
            for handle in handles { await handle.value }
        }
        meter.report(unit: "ops/s")
    }
}
