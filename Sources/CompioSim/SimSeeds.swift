#if canImport(Glibc)
import Glibc
#endif

/// The seeds a simulation test runs, and how to replay one.
///
/// `@Test(arguments: SimSeeds.default) func x(seed: UInt64)` runs the default
/// sweep. Environment variables change it without touching the test:
///
/// - `COMPIO_SIM_SEED=<n>` runs exactly that seed (the replay command).
/// - `COMPIO_SIM_SEEDS=<count>` runs seeds `1...count`;
///   `COMPIO_SIM_SEEDS=<a>-<b>` runs seeds `a...b`.
public enum SimSeeds {
    /// The default sweep: seeds 1 to 64, or what the environment asks for.
    public static var `default`: [UInt64] { seeds(defaultCount: 64) }

    /// A sweep of `defaultCount` seeds unless the environment asks for others.
    public static func seeds(defaultCount: Int) -> [UInt64] {
        if let one = environment("COMPIO_SIM_SEED"), let seed = UInt64(one) { return [seed] }
        if let spec = environment("COMPIO_SIM_SEEDS"), let range = parse(spec) { return Array(range) }
        return Array(1...UInt64(max(1, defaultCount)))
    }

    /// Parses `"1000"` (seeds 1...1000) or `"5-900"` (seeds 5...900).
    public static func parse(_ spec: String) -> ClosedRange<UInt64>? {
        let parts = spec.split(separator: "-", maxSplits: 1)
        if parts.count == 1, let count = UInt64(parts[0]), count > 0 { return 1...count }
        if parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high { return low...high }
        return nil
    }

    /// The one command that replays `seed` of `test`.
    public static func replayCommand(seed: UInt64, test: String) -> String {
        "COMPIO_SIM_SEED=\(seed) swift test --filter \(test)"
    }

    private static func environment(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}
