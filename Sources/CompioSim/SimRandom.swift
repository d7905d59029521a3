/// SplitMix64: turns one 64-bit value into a well-mixed sequence. Used only to
/// derive the per-class streams from the run's seed (its one job is to make
/// nearby seeds produce unrelated streams).
public struct SplitMix64: Sendable, Hashable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next mixed value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256**: the generator behind every simulated decision.
///
/// Fixed algorithm, no dependence on the process or platform, so a seed means
/// the same run on every machine. `SystemRandomNumberGenerator` is never used.
public struct SimRandom: RandomNumberGenerator, Sendable, Hashable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose state is drawn from SplitMix64 seeded with `seed`
    /// (an all-zero state, which xoshiro cannot leave, is impossible this way).
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next()
        s1 = mix.next()
        s2 = mix.next()
        s3 = mix.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A value in `range`, without modulo bias (Lemire's method via the standard library).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// A value in `range`, without modulo bias.
    public mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        Int64.random(in: range, using: &self)
    }

    /// True with probability `p` (0 and 1 are exact and draw nothing for 0).
    public mutating func chance(_ p: Double) -> Bool {
        if p <= 0 { return false }
        // 53 random bits as a fraction in [0, 1): exact, platform-independent.
        let fraction = Double(next() >> 11) * 0x1.0p-53
        return fraction < p
    }
}
