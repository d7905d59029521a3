/// The cancel scopes of a runtime's tasks, by task (``TaskCancelScope``).
///
/// An open-addressing table keyed by address with Fibonacci hashing: a
/// `Dictionary` hashed each lookup with SipHash, about a hundred instructions
/// on every suspension of an echo round trip. Linear probing, at most half
/// full, and deletion by shifting later entries back, so there are no
/// tombstones and a lookup stops at the first empty slot.
///
/// A value type on the runtime's thread; tests drive it directly.
struct TaskScopeTable {
    private var keys: [UnsafeRawPointer?]
    private var values: [TaskCancelScope?]
    /// `64 - log2(capacity)`: the hash's top bits pick the slot.
    private var shift: UInt64
    /// Entries in the table.
    private(set) var count = 0

    /// An empty table with room for `capacity / 2` entries before it grows.
    init(capacity: Int = 16) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0, "TaskScopeTable: capacity \(capacity) is not a power of two")
        keys = Array(repeating: nil, count: capacity)
        values = Array(repeating: nil, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// Whether the table holds nothing.
    var isEmpty: Bool { count == 0 }

    private var mask: Int { keys.count - 1 }

    private func home(_ key: UnsafeRawPointer) -> Int {
        // Fibonacci hashing; the low bits of an allocation's address carry
        // little, the multiplication spreads the rest into the top bits.
        Int(truncatingIfNeeded: (UInt64(UInt(bitPattern: key)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The last key found, and its scope: a task that runs many ops in a row
    /// (inline completions) looks itself up once. Unretained: `values` holds
    /// the scope while its key is in the table, and ``remove(_:)`` forgets it.
    private var lastKey: UnsafeRawPointer?
    private var lastValue: Unmanaged<TaskCancelScope>?

    /// The scope stored for `key`, if any, unretained; remembers it for the
    /// next lookup. Valid while `key` stays in the table. Unretained because
    /// every suspended op looks its task's scope up: a strong reference cost
    /// an atomic retain and release each time.
    @inline(__always)
    mutating func find(_ key: UnsafeRawPointer) -> Unmanaged<TaskCancelScope>? {
        if key == lastKey { return lastValue }
        guard let i = index(of: key) else { return nil }
        let found = Unmanaged.passUnretained(values[i].unsafelyUnwrapped)
        lastKey = key
        lastValue = found
        return found
    }

    /// The slot of `key`, if the table holds it.
    private func index(of key: UnsafeRawPointer) -> Int? {
        var i = home(key)
        while let k = keys[i] {
            if k == key { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    /// The scope stored for `key`, if any.
    subscript(key: UnsafeRawPointer) -> TaskCancelScope? {
        index(of: key).flatMap { values[$0] }
    }

    /// Stores `scope` for `key`, which must not be in the table yet.
    mutating func insert(_ scope: TaskCancelScope, for key: UnsafeRawPointer) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(key)
        while let k = keys[i] {
            precondition(k != key, "TaskScopeTable: task \(key) already has a scope")
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = scope
        count += 1
    }

    /// Removes `key`'s scope, which must be in the table.
    mutating func remove(_ key: UnsafeRawPointer) {
        if key == lastKey {
            lastKey = nil
            lastValue = nil
        }
        var i = home(key)
        while keys[i] != key {
            precondition(keys[i] != nil, "TaskScopeTable: task \(key) has no scope")
            i = (i + 1) & mask
        }
        // Shift back every later entry of the run whose home is not between
        // the hole and it (cyclically), so no probe meets a gap too early.
        var hole = i
        var j = (i + 1) & mask
        while let k = keys[j] {
            let h = home(k)
            let distanceToHole = (j - hole) & mask
            let distanceToHome = (j - h) & mask
            if distanceToHome >= distanceToHole {
                keys[hole] = k
                values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = nil
        values[hole] = nil
        count -= 1
    }

    private mutating func grow() {
        let old = zip(keys, values).compactMap { key, value in key.map { ($0, value!) } }
        self = TaskScopeTable(capacity: keys.count * 2)
        for (key, value) in old { insert(value, for: key) }
    }
}
