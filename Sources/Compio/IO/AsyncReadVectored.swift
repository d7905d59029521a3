/// A source that reads into several buffers in one op (`readv`).
public protocol AsyncReadVectored {
    /// Reads at most `buffers.totalCapacity` bytes, filling the buffers in
    /// order (see ``IOBufferVector/setInitialized(afterReading:)``); 0 means
    /// end of stream. The vector comes back with the result.
    mutating func readVectored(_ buffers: IOBufferVector) async -> BufResult<Int, IOBufferVector>
}

/// A sink that writes several buffers in one op (`writev`).
public protocol AsyncWriteVectored {
    /// Writes some of the buffers' data, in order; returns how many bytes
    /// were written. The vector comes back with the result.
    mutating func writeVectored(_ buffers: IOBufferVector) async -> BufResult<Int, IOBufferVector>
}
