/// The classes of simulated decisions. Each has its own random stream, so a new
/// draw in one class (say, one more latency) leaves every other class's
/// sequence exactly as it was.
public enum SimDecision: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// How long ops and network hops take.
    case latency
    /// Eager or deferred submission, the order and batch size of completions.
    case ordering
    /// Whether a fault from the ``FaultPlan`` fires, and its details.
    case faults
    /// Which outcome a cancel gets.
    case cancel
    /// Drawing a swarm ``FaultPlan`` from the seed.
    case swarm
    /// Whether an eager push (``SimDriver/pushEagerly(_:_:)``) submits at
    /// once, and whether an op it submits completes during submission. Last,
    /// so the streams above are the ones they were before it existed.
    case eager

    /// The class's name, for traces.
    public var description: String {
        switch self {
        case .latency: "latency"
        case .ordering: "ordering"
        case .faults: "faults"
        case .cancel: "cancel"
        case .swarm: "swarm"
        case .eager: "eager"
        }
    }
}

/// One independent ``SimRandom`` per ``SimDecision``, all derived from one seed.
public struct SimStreams: Sendable {
    /// The run's seed.
    public let seed: UInt64
    private var streams: [SimRandom]

    /// Derives every class's stream from `seed`: SplitMix64 over the seed gives
    /// one 64-bit sub-seed per class, in the fixed order of ``SimDecision``.
    public init(seed: UInt64) {
        self.seed = seed
        var mix = SplitMix64(seed: seed)
        streams = SimDecision.allCases.map { _ in SimRandom(seed: mix.next()) }
    }

    /// The stream of `decision`, for drawing from.
    public subscript(decision: SimDecision) -> SimRandom {
        get { streams[decision.rawValue] }
        set { streams[decision.rawValue] = newValue }
    }
}
