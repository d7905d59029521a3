import Testing
@testable import Compio

/// `TaskScopeTable`, the runtime's scopes by task address, against a
/// `Dictionary` model: random inserts and removals (which shift probe runs
/// back), lookups of present and absent keys, and growth.
@Suite struct TaskScopeTableTests {
    private static func key(_ n: Int) -> UnsafeRawPointer {
        // Addresses like a task allocator's: aligned, close together.
        UnsafeRawPointer(bitPattern: 0x7f00_0000_0000 + n * 64)!
    }

    @Test func insertLookupAndRemove() {
        var table = TaskScopeTable(capacity: 4)
        let a = TaskCancelScope(), b = TaskCancelScope()
        #expect(table.isEmpty)
        #expect(table[Self.key(1)] == nil)
        table.insert(a, for: Self.key(1))
        table.insert(b, for: Self.key(2))
        #expect(table[Self.key(1)] === a)
        #expect(table[Self.key(2)] === b)
        #expect(table[Self.key(3)] == nil)
        table.remove(Self.key(1))
        #expect(table[Self.key(1)] == nil)
        #expect(table[Self.key(2)] === b)
        #expect(table.count == 1)
    }

    /// A seeded random mix of inserts and removals over a small key space
    /// (so probe runs collide and wrap), checked against a dictionary after
    /// every step.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesADictionaryUnderRandomOperations(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        var table = TaskScopeTable(capacity: 2)
        var model: [Int: TaskCancelScope] = [:]
        for _ in 0..<4000 {
            let n = Int(rng.next() % 300)
            if let scope = model[n] {
                #expect(table[Self.key(n)] === scope)
                table.remove(Self.key(n))
                model[n] = nil
            } else {
                let scope = TaskCancelScope()
                table.insert(scope, for: Self.key(n))
                model[n] = scope
            }
            #expect(table.count == model.count)
            let probe = Int(rng.next() % 300)
            #expect(table[Self.key(probe)] === model[probe])
            // Through the one-entry cache too, which a removal must clear.
            #expect(table.find(Self.key(probe))?.takeUnretainedValue() === model[probe])
            #expect(table.find(Self.key(n))?.takeUnretainedValue() === model[n])
        }
        for (n, scope) in model { #expect(table[Self.key(n)] === scope) }
    }
}

/// A small deterministic generator for the random test.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
