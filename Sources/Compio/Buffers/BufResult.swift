/// The result of an op that took a buffer, with the buffer: it always comes
/// back, on success and on error.
///
/// `@frozen` so that callers in other modules can take `result` and `buffer`
/// apart even when `B` is `~Copyable`: `let n = r.result; let buf = r.buffer`.
@frozen
public struct BufResult<T, B: ~Copyable>: ~Copyable {
    /// What the op returned.
    public var result: Result<T, IOError>
    /// The buffer the op was given.
    public var buffer: B

    /// Pairs a result with its buffer.
    @inlinable
    public init(_ result: Result<T, IOError>, _ buffer: consuming B) {
        self.result = result
        self.buffer = buffer
    }

    /// The value, or the error thrown; the buffer is dropped.
    @inlinable
    public consuming func get() throws(IOError) -> T {
        try result.get()
    }
}

extension BufResult: Copyable where B: Copyable {}
