import BenchSupport
/// Counts ops of a time-bounded (or count-bounded) loop: a warm-up (grows the runtime's tables),
/// then the measured window, with the allocation counter read at both ends of
/// the window. Shared by every task of one runtime, so only its thread touches it.
final class Meter: @unchecked Sendable {
    private let warmupNanos: UInt64
    private let windowNanos: UInt64
    private var phaseEnd: UInt64
    private var measuring = false
    private(set) var stopped = false
    private var ops = 0
    private var startOps = 0
    private var startTime: UInt64 = 0
    private var endTime: UInt64 = 0
    private var endOps = 0
    private var startMallocs: UInt64?
    private var endMallocs: UInt64?

    /// With a fixed count the loop stops after `count` ops without looking at
    /// the clock: instruction counts (callgrind) then compare run to run.
    private let count: Int?

    init(warmup: Double, seconds: Double, count: Int? = nil) {
        warmupNanos = UInt64(warmup * 1e9)
        windowNanos = UInt64(seconds * 1e9)
        phaseEnd = monotonicNanos() + warmupNanos
        self.count = count
        if count != nil {
            startTime = monotonicNanos()
            startMallocs = MallocCounter.count
            measuring = true
        }
    }

    /// A meter for `--ops N` (a fixed count) or `--warmup`/`--seconds` (a time window).
    convenience init(_ options: Options) {
        let count = options.int("ops", 0)
        self.init(
            warmup: options.double("warmup", 0.3), seconds: options.double("seconds", 1),
            count: count > 0 ? count : nil)
    }

    /// Counts one op; looks at the clock every 256 ops.
    @inline(__always)
    func tick() {
        ops &+= 1
        if let count {
            if ops >= count, !stopped {
                endTime = monotonicNanos()
                endMallocs = MallocCounter.count
                endOps = ops
                stopped = true
            }
        } else if ops & 0xff == 0 {
            checkClock()
        }
    }

    private func checkClock() {
        let now = monotonicNanos()
        guard now >= phaseEnd, !stopped else { return }
        if !measuring {
            measuring = true
            startMallocs = MallocCounter.count
            startTime = monotonicNanos()
            startOps = ops
            phaseEnd = startTime + windowNanos
        } else {
            endMallocs = MallocCounter.count
            endTime = now
            endOps = ops
            stopped = true
        }
    }

    /// Operations in the measured window.
    var measuredOps: Int { endOps - startOps }

    /// The result line: rate, and allocations per op when the counter is preloaded.
    func report(unit: String, extra: String = "") {
        precondition(stopped, "Meter: report before the window closed")
        let rate = Double(measuredOps) / (Double(endTime - startTime) / 1e9)
        var allocs = "n/a"
        if let s = startMallocs, let e = endMallocs {
            let per = Double(e - s) / Double(max(measuredOps, 1))
            allocs = per < 0.0001 ? "0" : String(format4: per)
        }
        print("RESULT value=\(Int(rate)) unit=\(unit) allocs_per_op=\(allocs) ops=\(measuredOps)\(extra)")
    }
}
