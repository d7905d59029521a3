import Compio

/// An in-memory ``AsyncRead`` that plays a script: each read returns the next
/// step's bytes (as many as fit; the rest stays for the next read) or its
/// error. After the last step every read returns 0 (end of stream).
///
/// It drives the read algorithms through short reads, errors and early ends
/// that a kernel produces only by chance.
struct ScriptedSource: AsyncRead {
    /// One answer of the script.
    enum Step {
        case bytes([UInt8])
        case failure(IOError)
    }

    private var steps: [Step]
    /// Capacity of the buffer of each read call, in order.
    private(set) var requestedCapacities: [Int] = []

    init(_ steps: [Step]) { self.steps = steps }

    /// `data` cut into chunks of `chunkSizes` (the last chunk takes what is left).
    init(_ data: [UInt8], chunkSizes: [Int]) {
        var steps: [Step] = []
        var rest = data[...]
        for size in chunkSizes where !rest.isEmpty {
            steps.append(.bytes(Array(rest.prefix(size))))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { steps.append(.bytes(Array(rest))) }
        self.init(steps)
    }

    /// Number of read calls so far.
    var reads: Int { requestedCapacities.count }

    mutating func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        requestedCapacities.append(buffer.ioCapacity)
        guard !steps.isEmpty else {
            buffer.setInitialized(0)
            return BufResult(.success(0), buffer)
        }
        switch steps.removeFirst() {
        case .failure(let error):
            return BufResult(.failure(error), buffer)
        case .bytes(let chunk):
            let n = min(chunk.count, buffer.ioCapacity)
            if n < chunk.count { steps.insert(.bytes(Array(chunk[n...])), at: 0) }
            if n > 0 {
                chunk.withUnsafeBytes { buffer.ioMutableBase!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            }
            buffer.setInitialized(n)
            return BufResult(.success(n), buffer)
        }
    }
}

/// An in-memory ``AsyncWrite`` that takes at most `maxPerWrite` bytes per
/// call, records every call, and can be told to fail or to stop accepting.
struct LimitedSink: AsyncWrite {
    let maxPerWrite: Int
    /// Bytes accepted, in order.
    private(set) var received: [UInt8] = []
    /// Size of the data offered to each write call, in order.
    private(set) var offered: [Int] = []
    /// Every call, in order: `write N` (bytes accepted), `flush`, `shutdown`.
    private(set) var events: [String] = []
    /// Total bytes after which writes accept 0 bytes (a sink that is full).
    var acceptsAtMost: Int = .max
    /// Errors returned by the write calls with these indexes (0-based), instead of writing.
    var failingCalls: [Int: IOError] = [:]

    init(maxPerWrite: Int) { self.maxPerWrite = maxPerWrite }

    mutating func write<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        let call = offered.count
        offered.append(buffer.ioInitialized)
        if let error = failingCalls[call] { return BufResult(.failure(error), buffer) }
        let n = min(buffer.ioInitialized, maxPerWrite, acceptsAtMost - received.count)
        buffer.withInitializedBytes { received.append(contentsOf: $0.prefix(n)) }
        events.append("write \(n)")
        return BufResult(.success(n), buffer)
    }

    mutating func flush() async throws(IOError) { events.append("flush") }

    mutating func shutdown() async throws(IOError) { events.append("shutdown") }
}

/// `count` pseudo-random bytes from `seed` (xorshift), so that a misplaced or
/// repeated chunk shows up in a byte-for-byte comparison.
func patternBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed | 1
    // Eight bytes per step through raw memory: a per-byte closure takes seconds
    // for the multi-megabyte tests in a debug build.
    return [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
        var i = 0
        while i < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state.littleEndian) { word in
                let n = min(8, count - i)
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(bytes)[i..<i + n])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: word[..<n]))
            }
            i += 8
        }
        initialized = count
    }
}

extension AsyncRead {
    /// One read into a new buffer of `capacity` bytes: its result and the bytes read.
    mutating func readBytes(capacity: Int) async -> (Result<Int, IOError>, [UInt8]) {
        let r = await read(OwnedBuffer(capacity: capacity))
        let result = r.result
        let buffer = r.buffer
        return (result, buffer.bytes)
    }
}
