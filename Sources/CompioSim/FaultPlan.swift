/// Which faults a simulated run injects, each with its own probability per
/// opportunity (an op where the fault makes sense). Everything is off by default.
public struct FaultPlan: Sendable, Hashable, CustomStringConvertible {
    /// A read-like op returns fewer bytes than it could.
    public var shortRead = 0.0
    /// A write-like op writes fewer bytes than asked.
    public var shortWrite = 0.0
    /// An op fails with `EINTR` and has no effect.
    public var interrupted = 0.0
    /// A socket or pipe op fails with `EAGAIN` and has no effect.
    public var wouldBlock = 0.0
    /// A file op fails with `EIO` (an fsync that fails makes nothing durable).
    public var ioError = 0.0
    /// A file write fails with `ENOSPC`.
    public var noSpace = 0.0
    /// A stream socket op resets its connection: `ECONNRESET` here, and on the peer.
    public var connectionReset = 0.0
    /// A connect is refused (`ECONNREFUSED`) even though someone listens.
    public var connectionRefused = 0.0
    /// An op's latency gets a spike added (see ``latencySpikeNanoseconds``).
    public var latencySpike = 0.0
    /// A send or connect partitions the two hosts for a while (see ``partitionNanoseconds``).
    public var partition = 0.0
    /// How long a latency spike lasts.
    public var latencySpikeNanoseconds: ClosedRange<Int64> = 1_000_000...200_000_000
    /// How long a fault-made partition lasts.
    public var partitionNanoseconds: ClosedRange<Int64> = 10_000_000...2_000_000_000

    /// No faults.
    public init() {}

    /// No faults at all: the default of every run.
    public static let none = FaultPlan()

    /// Whether any fault can fire.
    public var isEnabled: Bool {
        [shortRead, shortWrite, interrupted, wouldBlock, ioError, noSpace, connectionReset,
         connectionRefused, latencySpike, partition].contains { $0 > 0 }
    }

    /// Swarm testing: a plan drawn from `seed`. Each fault is switched on with
    /// probability one half, at a probability picked from a small ladder, so
    /// different seeds stress different mixes instead of all faults a little.
    public static func swarm(seed: UInt64) -> FaultPlan {
        var random = SimStreams(seed: seed)[.swarm]
        let ladder = [0.002, 0.01, 0.05, 0.2]
        func draw() -> Double {
            let on = random.chance(0.5)
            let level = ladder[random.int(in: 0...ladder.count - 1)]
            return on ? level : 0
        }
        var plan = FaultPlan()
        plan.shortRead = draw()
        plan.shortWrite = draw()
        plan.interrupted = draw()
        plan.wouldBlock = draw()
        plan.ioError = draw()
        plan.noSpace = draw()
        plan.connectionReset = draw()
        plan.connectionRefused = draw()
        plan.latencySpike = draw()
        plan.partition = draw()
        return plan
    }

    /// The non-zero probabilities, for logs.
    public var description: String {
        let parts: [(String, Double)] = [
            ("shortRead", shortRead), ("shortWrite", shortWrite), ("EINTR", interrupted),
            ("EAGAIN", wouldBlock), ("EIO", ioError), ("ENOSPC", noSpace),
            ("ECONNRESET", connectionReset), ("ECONNREFUSED", connectionRefused),
            ("latencySpike", latencySpike), ("partition", partition),
        ]
        let on = parts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }
        return on.isEmpty ? "FaultPlan(none)" : "FaultPlan(\(on.joined(separator: ", ")))"
    }
}
