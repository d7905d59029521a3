/// The default I/O buffer: heap memory with one owner.
///
/// `~Copyable`, so an op consumes it and hands it back in a ``BufResult``, and
/// no copy can observe the kernel writing into it (a `[UInt8]` whose pointer
/// escaped could, DESIGN.md). Moving it never moves its bytes.
public struct OwnedBuffer: ~Copyable, IoBufMut, @unchecked Sendable {
    /// Start of the memory.
    public let base: UnsafeMutableRawPointer
    /// Size of the memory in bytes.
    public let capacity: Int
    /// How many leading bytes hold data.
    public private(set) var count: Int

    /// Allocates `capacity` bytes, none holding data.
    public init(capacity: Int) {
        precondition(capacity >= 0, "OwnedBuffer: negative capacity \(capacity)")
        base = .allocate(byteCount: max(capacity, 1), alignment: 16)
        self.capacity = capacity
        count = 0
    }

    /// A buffer holding a copy of `bytes`, with no spare capacity.
    public init(_ bytes: some Collection<UInt8>) {
        self.init(capacity: bytes.count)
        UnsafeMutableRawBufferPointer(start: base, count: capacity).copyBytes(from: bytes)
        count = bytes.count
    }

    /// A buffer holding the UTF-8 bytes of `string`.
    public init(string: String) {
        self.init(Array(string.utf8))
    }

    deinit { base.deallocate() }

    /// ``IoBuf`` conformance.
    public var ioBase: UnsafeRawPointer? { UnsafeRawPointer(base) }
    /// ``IoBuf`` conformance.
    public var ioInitialized: Int { count }
    /// ``IoBufMut`` conformance.
    public var ioMutableBase: UnsafeMutableRawPointer? { base }
    /// ``IoBufMut`` conformance.
    public var ioCapacity: Int { capacity }

    /// ``IoBufMut`` conformance.
    public mutating func setInitialized(_ count: Int) {
        precondition(count >= 0 && count <= capacity, "OwnedBuffer: \(count) bytes out of 0...\(capacity)")
        self.count = count
    }

    /// Forgets the data, keeping the memory.
    public mutating func clear() { count = 0 }

    /// Appends `bytes` after the data. Traps if they do not fit.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        precondition(count + bytes.count <= capacity, "OwnedBuffer: appending \(bytes.count) bytes overflows capacity \(capacity)")
        UnsafeMutableRawBufferPointer(start: base + count, count: bytes.count).copyBytes(from: bytes)
        count += bytes.count
    }

    /// Calls `body` with the data as a `RawSpan`.
    public func withSpan<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count).bytes)
    }

    /// Calls `body` with all the memory, to fill it by hand; `body` returns how
    /// many leading bytes now hold data.
    public mutating func withUnsafeMutableBytes<E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) {
        let filled = try body(UnsafeMutableRawBufferPointer(start: base, count: capacity))
        setInitialized(filled)
    }

    /// The data decoded as UTF-8.
    public var string: String {
        String(decoding: UnsafeRawBufferPointer(start: base, count: count), as: UTF8.self)
    }

    /// A copy of the data.
    public var bytes: [UInt8] { Array(UnsafeRawBufferPointer(start: base, count: count)) }
}

extension IOBuffer: IoBufMut {
    /// ``IoBuf`` conformance.
    public var ioBase: UnsafeRawPointer? { UnsafeRawPointer(base) }
    /// ``IoBuf`` conformance.
    public var ioInitialized: Int { initialized }
    /// ``IoBufMut`` conformance.
    public var ioMutableBase: UnsafeMutableRawPointer? { base }
    /// ``IoBufMut`` conformance.
    public var ioCapacity: Int { capacity }
    /// ``IoBufMut`` conformance.
    public func setInitialized(_ count: Int) { initialized = count }
}
