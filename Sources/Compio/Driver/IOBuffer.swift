import Synchronization

/// A heap buffer with a stable address, shareable and poolable.
///
/// This is the reference-counted buffer of the driver layer: an op that holds
/// one keeps it alive until the op completes. `initialized` counts the bytes
/// that hold data (a read sets it from the op's result).
public final class IOBuffer: @unchecked Sendable {
    /// Start of the memory. Stable for the buffer's whole life.
    public let base: UnsafeMutableRawPointer
    /// Size of the memory in bytes.
    public let capacity: Int
    /// How many leading bytes hold data.
    public var initialized: Int {
        didSet { precondition(initialized >= 0 && initialized <= capacity, "IOBuffer: initialized \(initialized) out of 0...\(capacity)") }
    }

    /// Number of `IOBuffer`s alive in the process; tests use it to prove that no buffer leaks.
    public static var live: Int { liveCount.load(ordering: .relaxed) }
    private static let liveCount = Atomic<Int>(0)

    /// Buffers of at least this many bytes start on a cache line (64 bytes);
    /// smaller ones on malloc's 16.
    static let pageSize = 4096

    /// Allocates `capacity` bytes, none of them initialized.
    public init(capacity: Int) {
        precondition(capacity >= 0, "IOBuffer: negative capacity \(capacity)")
        // Below a page, malloc's own alignment: an over-aligned allocation
        // takes glibc's memalign path, several times the cost of malloc.
        self.base = .allocate(byteCount: max(capacity, 1), alignment: capacity >= IOBuffer.pageSize ? 64 : 16)
        self.capacity = capacity
        self.initialized = 0
        IOBuffer.liveCount.add(1, ordering: .relaxed)
    }

    /// Allocates a buffer holding a copy of `bytes`.
    @inlinable
    public convenience init(bytes: some Collection<UInt8>) {
        self.init(capacity: bytes.count)
        // Contiguous bytes (arrays, slices, data) are one memcpy; the generic
        // copy walks them one by one through an enumerated iterator.
        let copied: Bool? = bytes.withContiguousStorageIfAvailable { source in
            if let start = source.baseAddress { base.copyMemory(from: start, byteCount: source.count) }
            return true
        }
        if copied == nil { UnsafeMutableRawBufferPointer(start: base, count: capacity).copyBytes(from: bytes) }
        initialized = bytes.count
    }

    deinit {
        base.deallocate()
        IOBuffer.liveCount.subtract(1, ordering: .relaxed)
    }

    /// A copy of the initialized bytes.
    public var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(start: base, count: initialized))
    }

    /// Calls `body` with the initialized bytes.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: initialized))
    }
}
