import Compio

// compio-demo: a showcase on the default driver.
//   compio-demo         which driver was chosen, a file copy and TCP echo round trips, with throughput
//   compio-demo tour    a tour of the runtime (sleep, spawn, spawnBlocking, timeout, interval)
//   compio-demo bench   measures awaited NOPs per second, 1 task and 32 tasks
// The driver kind follows COMPIO_DRIVER (io_uring, epoll, auto).

/// Awaited NOPs per second with `tasks` tasks sharing `total` NOPs.
func nopsPerSecond(_ runtime: Runtime, tasks: Int, total: Int) async -> Double {
    let perTask = total / tasks
    let start = runtime.now
    if tasks == 1 {
        for _ in 0..<perTask { _ = await runtime.submit(.nop) }
    } else {
        let handles = (0..<tasks).map { _ in
            runtime.spawn {
                for _ in 0..<perTask { _ = await runtime.submit(.nop) }
            }
        }
        for h in handles { await h.value }
    }
    let seconds = Double(start.duration(to: runtime.now).nanosecondsClamped) / 1e9
    return Double(perTask * tasks) / seconds
}

func bench(_ runtime: Runtime) async {
    print("driver: \(runtime.driverKind)")
    for tasks in [1, 32] {
        _ = await nopsPerSecond(runtime, tasks: tasks, total: 100_000)  // warm-up: grow the tables
        var runs: [Double] = []
        for _ in 0..<5 { runs.append(await nopsPerSecond(runtime, tasks: tasks, total: 1_000_000)) }
        runs.sort()
        let median = runs[runs.count / 2]
        print("awaited NOPs/s, \(tasks) task\(tasks == 1 ? "" : "s"): \(Int(median)) (median of 5; min \(Int(runs.first!)), max \(Int(runs.last!)))")
    }
}

func tour(_ runtime: Runtime) async {
    print("driver: \(runtime.driverKind)")
    let nop = await runtime.submit(.nop)
    print("nop -> \(nop.result)")
    let start = runtime.now
    try? await runtime.sleep(for: .milliseconds(10))
    print("slept \(start.duration(to: runtime.now))")
    let sum = await runtime.spawn { (1...10).reduce(0, +) }.value
    print("spawned task -> \(sum)")
    let blocking = try? await runtime.spawnBlocking { "ran on the pool" }
    print("spawnBlocking -> \(blocking ?? "pool busy")")
    do {
        _ = try await runtime.timeout(after: .milliseconds(5)) { try await runtime.sleep(for: .seconds(10)) }
    } catch {
        print("timeout -> \(error)")
    }
    var ticks = 0
    do {
        for try await _ in runtime.interval(every: .milliseconds(2)) {
            ticks += 1
            if ticks == 3 { break }
        }
    } catch {
        print("interval cancelled")
    }
    print("interval ticked \(ticks) times")
}

do {
    let runtime = try Runtime()
    let mode = CommandLine.arguments.dropFirst().first ?? "showcase"
    runtime.blockOn {
        switch mode {
        case "bench": await bench(runtime)
        case "tour": await tour(runtime)
        default: await showcase(runtime)
        }
    }
} catch {
    print("compio-demo: cannot build a runtime: \(error)")
}
