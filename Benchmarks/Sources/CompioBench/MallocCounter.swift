import BenchSupport
import Glibc

/// Reads the allocation counter of the LD_PRELOAD'ed MallocCounter library,
/// found with dlsym so that the benchmarks also run without it.
enum MallocCounter {
    private typealias CountFunction = @convention(c) () -> UInt64

    private static let function: CountFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "bench_malloc_count") else { return nil }
        return unsafeBitCast(symbol, to: CountFunction.self)
    }()

    /// Allocations so far, or `nil` when the counter is not preloaded.
    static var count: UInt64? { function?() }

    /// `allocs_per_op=<x>` for `ops` operations since `start`, or `n/a`.
    static func perOp(since start: UInt64?, ops: Int) -> String {
        guard let start, let end = count, ops > 0 else { return "n/a" }
        let value = Double(end - start) / Double(ops)
        return value < 0.001 ? "0" : String(format4: value)
    }
}

extension String {
    /// `value` with four decimals (Foundation-free formatting).
    init(format4 value: Double) {
        let scaled = Int((value * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        self = "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}

