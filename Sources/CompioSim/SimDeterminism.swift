/// Runs a scenario twice with the same seed and compares the traces event by event.
public enum SimDeterminism {
    /// Where two runs of one seed first differed.
    public struct Divergence: Error, CustomStringConvertible {
        /// The seed.
        public let seed: UInt64
        /// Index of the first differing event.
        public let index: Int
        /// The event of the first run there (`nil`: the run had ended).
        public let first: SimTraceEvent?
        /// The event of the second run there (`nil`: the run had ended).
        public let second: SimTraceEvent?
        /// The test to name in the replay command.
        public let test: String

        /// The divergence and the command that replays the seed.
        public var description: String {
            """
            CompioSim: seed \(seed) is not deterministic; first divergent event #\(index):
              run 1: \(first.map { "\($0)" } ?? "<end of trace>")
              run 2: \(second.map { "\($0)" } ?? "<end of trace>")
            Replay: \(SimSeeds.replayCommand(seed: seed, test: test))
            """
        }
    }

    /// Runs `scenario(seed)` twice; returns the first run's trace, or throws the
    /// first divergent event. The scenario must build its own ``SimDriver`` from
    /// the seed and return that driver's trace.
    @discardableResult
    public static func check(
        seed: UInt64, test: String, _ scenario: (UInt64) throws -> SimTrace
    ) throws -> SimTrace {
        let first = try scenario(seed)
        let second = try scenario(seed)
        if let index = first.firstDivergence(from: second) {
            throw Divergence(
                seed: seed, index: index,
                first: index < first.events.count ? first.events[index] : nil,
                second: index < second.events.count ? second.events[index] : nil,
                test: test)
        }
        return first
    }
}
