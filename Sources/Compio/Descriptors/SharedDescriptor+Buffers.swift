extension SharedDescriptor {
    /// Runs a read-like op into `buffer` on the current runtime and hands the
    /// buffer back with the result, its data length set to the bytes read.
    ///
    /// The buffer stays in this call's frame while the op runs, which is what
    /// keeps its memory alive: a task cannot be destroyed while it awaits.
    @inlinable
    nonisolated(nonsending) public func submitRead<B: IoBufMut & ~Copyable>(
        _ buffer: consuming B, _ makeOp: (_ fd: Int32, _ into: OpBuffer) -> Op
    ) async -> BufResult<Int, B> {
        guard let runtime = Runtime.current else { return BufResult(.failure(.noRuntime), buffer) }
        let region = buffer.opBufferForRead
        let completion = await submit(on: runtime) { makeOp($0, region) }
        if case .success(let n) = completion.result { buffer.setInitialized(n) }
        return BufResult(completion.result, buffer)
    }

    /// Runs a write-like op of `buffer`'s data on the current runtime and hands
    /// the buffer back with the result.
    @inlinable
    nonisolated(nonsending) public func submitWrite<B: IoBuf & ~Copyable>(
        _ buffer: consuming B, _ makeOp: (_ fd: Int32, _ data: OpBuffer) -> Op
    ) async -> BufResult<Int, B> {
        guard let runtime = Runtime.current else { return BufResult(.failure(.noRuntime), buffer) }
        let region = buffer.opBufferForWrite
        let completion = await submit(on: runtime) { makeOp($0, region) }
        return BufResult(completion.result, buffer)
    }

    /// Runs an op that moves no buffer and returns its result.
    nonisolated(nonsending) public func submit(_ makeOp: (_ fd: Int32) -> Op) async -> Result<Int, IOError> {
        guard let runtime = Runtime.current else { return .failure(.noRuntime) }
        return await submit(on: runtime, makeOp).result
    }
}
