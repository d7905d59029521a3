import SystemPackage

/// A path for an op, as the NUL-terminated bytes the kernel reads.
///
/// It validates at creation: a path with an interior NUL would be silently
/// truncated by the kernel, so it is refused with ``IOError/pathContainsNul``
/// before any syscall.
public final class OpPath: @unchecked Sendable, CustomStringConvertible {
    /// The bytes, NUL-terminated, at a stable address.
    public let cString: UnsafeMutablePointer<CChar>
    /// Length without the terminating NUL.
    public let length: Int

    /// Copies `path`; throws ``IOError/pathContainsNul`` if it contains a NUL byte.
    public init(_ path: String) throws(IOError) {
        var utf8 = Array(path.utf8)
        if utf8.contains(0) { throw .pathContainsNul }
        utf8.append(0)
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        for (i, byte) in utf8.enumerated() { storage[i] = CChar(bitPattern: byte) }
        cString = storage
        length = utf8.count - 1
    }

    /// Copies `path`. A `FilePath` cannot hold a NUL byte (swift-system ends
    /// the path at the first one), so this throws only for the same reasons as
    /// ``init(_:)-(String)``.
    public convenience init(_ path: FilePath) throws(IOError) {
        try self.init(path.string)
    }

    deinit { cString.deallocate() }

    /// The path as a string.
    public var description: String { String(cString: cString) }
}
