/// A growable array for the hot tables (``OpTable``, the runtime's waiter
/// table), without copy-on-write.
///
/// `Array` checks that its buffer is uniquely referenced before every store,
/// a call into the Swift runtime each time: the waiter table and the op table
/// made thirteen such calls per suspended op. This array cannot be copied
/// (`~Copyable`), so it owns its storage outright and a store is a store.
/// Indices are checked, as `Array`'s are.
///
/// Inlinable for ``OpTable``, which drivers in other modules specialize.
@frozen @usableFromInline
struct SlotArray<Element>: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var capacity: Int
    /// Elements stored.
    @usableFromInline var count = 0

    /// An empty array with room for `minimumCapacity` elements.
    @inlinable
    init(minimumCapacity: Int = 16) {
        capacity = max(minimumCapacity, 1)
        base = .allocate(capacity: capacity)
    }

    @inlinable
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Whether the array holds nothing.
    @inlinable
    var isEmpty: Bool { count == 0 }

    /// `0..<count`.
    @inlinable
    var indices: Range<Int> { 0..<count }

    /// The element at `index`, which must be below ``count``.
    @inlinable
    subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(index >= 0 && index < count, "SlotArray: index \(index) out of 0..<\(count)")
            return UnsafePointer(base + index)
        }
        unsafeMutableAddress {
            precondition(index >= 0 && index < count, "SlotArray: index \(index) out of 0..<\(count)")
            return base + index
        }
    }

    /// The address of the element at `index`, which must be below ``count``,
    /// for several stores into one element with one bounds check. Valid until
    /// the array next grows.
    @inlinable
    mutating func address(of index: Int) -> UnsafeMutablePointer<Element> {
        precondition(index >= 0 && index < count, "SlotArray: index \(index) out of 0..<\(count)")
        return base + index
    }

    /// The last element, if any.
    @inlinable
    var last: Element? { count > 0 ? base[count - 1] : nil }

    /// Adds `element` at the end.
    @inlinable
    mutating func append(_ element: consuming Element) {
        if count == capacity { grow(to: capacity * 2) }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Adds `element` at the end `n` times.
    @inlinable
    mutating func append(repeating element: Element, count n: Int) {
        precondition(n >= 0, "SlotArray: negative count \(n)")
        if count + n > capacity { grow(to: max(capacity * 2, count + n)) }
        (base + count).initialize(repeating: element, count: n)
        count += n
    }

    /// Removes and returns the last element, if any.
    @inlinable
    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return (base + count).move()
    }

    /// Removes every element, keeping the storage.
    @inlinable
    mutating func removeAll() {
        base.deinitialize(count: count)
        count = 0
    }

    @usableFromInline
    mutating func grow(to newCapacity: Int) {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}
