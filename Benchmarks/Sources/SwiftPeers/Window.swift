import BenchSupport
import Glibc

/// A time-bounded loop's counter: warm-up, then the measured window.
/// Locked, because NIOFileSystem's tasks run on Swift's global pool.
final class Window: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private let warmupEnd: UInt64
    private let windowNanos: UInt64
    private var start: UInt64 = 0
    private var end: UInt64 = 0
    private var ops = 0
    private var startOps = 0
    private var endOps = 0
    private var stoppedFlag = false

    init(warmup: Double, seconds: Double) {
        warmupEnd = monotonicNanos() + UInt64(warmup * 1e9)
        windowNanos = UInt64(seconds * 1e9)
        pthread_mutex_init(&lock, nil)
    }

    var stopped: Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return stoppedFlag
    }

    func tick() {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        ops += 1
        guard ops & 0x3f == 0, !stoppedFlag else { return }
        let now = monotonicNanos()
        if start == 0 {
            if now >= warmupEnd {
                start = now
                startOps = ops
            }
        } else if now >= start + windowNanos {
            end = now
            endOps = ops
            stoppedFlag = true
        }
    }

    func report(unit: String) {
        let rate = Double(endOps - startOps) / (Double(end - start) / 1e9)
        print("RESULT value=\(Int(rate)) unit=\(unit) allocs_per_op=n/a ops=\(endOps - startOps)")
    }
}

