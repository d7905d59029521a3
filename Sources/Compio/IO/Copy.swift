/// Copies everything `reader` produces to `writer`, until end of stream, then
/// flushes `writer`; returns the number of bytes copied.
///
/// One buffer of `bufferSize` bytes goes back and forth: each chunk read is
/// written out in full (``AsyncWrite/writeAll(_:)``) before the next read.
/// `writer` is not shut down. On error, the bytes copied before it have been
/// written; the error says which side failed only through its errno.
///
/// Throws ``IOError/invalidArgument(_:)`` when `bufferSize` is not positive.
public func copy<R: AsyncRead, W: AsyncWrite>(
    from reader: inout R, to writer: inout W, bufferSize: Int = 64 * 1024
) async throws(IOError) -> UInt64 {
    guard bufferSize > 0 else { throw .invalidArgument("copy with a buffer of \(bufferSize) bytes") }
    var buffer = OwnedBuffer(capacity: bufferSize)
    var total: UInt64 = 0
    while true {
        let read = await reader.read(buffer)
        let readResult = read.result
        buffer = read.buffer
        let n = try readResult.get()
        if n == 0 { break }
        let written = await writer.writeAll(buffer)
        let writeResult = written.result
        buffer = written.buffer
        _ = try writeResult.get()
        total += UInt64(n)
    }
    try await writer.flush()
    return total
}
