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

    /// Allocates `capacity` bytes, none of them initialized.
    public init(capacity: Int) {
        precondition(capacity >= 0, "IOBuffer: negative capacity \(capacity)")
        self.base = .allocate(byteCount: max(capacity, 1), alignment: 64)
        self.capacity = capacity
        self.initialized = 0
        IOBuffer.liveCount.add(1, ordering: .relaxed)
    }

    /// Allocates a buffer holding a copy of `bytes`.
    public convenience init(bytes: some Collection<UInt8>) {
        self.init(capacity: bytes.count)
        let target = UnsafeMutableRawBufferPointer(start: base, count: capacity)
        target.copyBytes(from: bytes)
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
