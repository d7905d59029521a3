extension SharedDescriptor {
    /// Runs a vectored read-like op into `buffers` on the current runtime and
    /// hands them back with the result, their data lengths set to what was read.
    ///
    /// Fails with ``IOError/invalidArgument(_:)`` past
    /// ``IOBufferVector/maximumCount`` buffers, without submitting anything.
    public func submitReadVectored(
        _ buffers: IOBufferVector, _ makeOp: (_ fd: Int32, _ into: OpBufferVector) -> Op
    ) async -> BufResult<Int, IOBufferVector> {
        let vector: OpBufferVector
        do { vector = try buffers.opBufferVectorForRead() } catch { return BufResult(.failure(error), buffers) }
        let result = await submit { makeOp($0, vector) }
        if case .success(let n) = result { buffers.setInitialized(afterReading: n) }
        return BufResult(result, buffers)
    }

    /// Runs a vectored write-like op of `buffers`' data on the current runtime
    /// and hands them back with the result.
    ///
    /// Fails with ``IOError/invalidArgument(_:)`` past
    /// ``IOBufferVector/maximumCount`` buffers, without submitting anything.
    public func submitWriteVectored(
        _ buffers: IOBufferVector, _ makeOp: (_ fd: Int32, _ data: OpBufferVector) -> Op
    ) async -> BufResult<Int, IOBufferVector> {
        let vector: OpBufferVector
        do { vector = try buffers.opBufferVectorForWrite() } catch { return BufResult(.failure(error), buffers) }
        return BufResult(await submit { makeOp($0, vector) }, buffers)
    }
}
