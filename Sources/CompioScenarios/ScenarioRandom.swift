/// The scenario's own random numbers: wyrand over a seed-derived state.
///
/// Separate from the simulator's streams so that what a scenario decides never
/// shifts the simulated kernel's decisions, and available on the kernel too
/// (with a fixed seed).
public struct ScenarioRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator for `seed` and `stream` (one stream per task keeps each
    /// task's draws independent of how tasks interleave).
    public init(seed: UInt64, stream: UInt64 = 0) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 ^ (stream &+ 1) &* 0xC2B2_AE3D_27D4_EB4F
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0xA076_1D64_78BD_642F
        let product = state.multipliedFullWidth(by: state ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }

    /// A value in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
