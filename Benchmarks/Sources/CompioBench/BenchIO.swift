import BenchSupport
import Compio

/// The raw-op Compio calls the benchmarks make, in one place: through
/// `Runtime.submit`, without the user-facing types (the file benchmark's
/// `--api file` and the echo server's `--api stream` use those instead).
///
/// Buffers are passed without an owner: each one lives in the awaiting task
/// (allocated once per task or connection), which cannot end before its op
/// completes. That is how the runtime passes `~Copyable` buffers, and it keeps
/// the awaited op free of heap allocations.
enum BenchIO {
    static func nop(_ runtime: Runtime) async {
        let completion = await runtime.submit(.nop)
        precondition(completion.error == nil, "nop failed: \(String(describing: completion.error))")
    }

    static func readAt(_ runtime: Runtime, fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int, offset: Int64) async -> Int {
        let op = Op.readAt(fd: fd, buffer: OpBuffer(base: buffer, count: count, owner: nil), offset: offset)
        return await value(runtime.submit(op))
    }

    static func recv(_ runtime: Runtime, fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int) async -> Int {
        let op = Op.recv(fd: fd, buffer: OpBuffer(base: buffer, count: count, owner: nil), flags: 0)
        return await value(runtime.submit(op))
    }

    static func send(_ runtime: Runtime, fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int) async -> Int {
        let op = Op.send(fd: fd, buffer: OpBuffer(base: buffer, count: count, owner: nil), flags: 0)
        return await value(runtime.submit(op))
    }

    static func close(_ runtime: Runtime, fd: Int32) async {
        _ = await runtime.submit(.close(fd: fd))
    }

    /// A TCP listener on 127.0.0.1:`port`, made with the runtime's socket ops.
    static func listen(_ runtime: Runtime, port: UInt16) async throws(IOError) -> Int32 {
        let created = await runtime.submit(.socket(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue), protocol: 0))
        if let error = created.error { throw error }
        guard let fd = created.descriptor?.take() else { fatalError("socket: completion without a descriptor") }
        try await setOption(runtime, fd: fd, level: SOL_SOCKET, name: SO_REUSEADDR)
        let bound = await runtime.submit(.bind(fd: fd, address: SocketAddress.loopback(port: port).opBuffer()))
        if let error = bound.error { throw error }
        let listening = await runtime.submit(.listen(fd: fd, backlog: 1024))
        if let error = listening.error { throw error }
        return fd
    }

    /// Accepts one connection and returns its descriptor, owned by the caller.
    static func accept(_ runtime: Runtime, listener: Int32) async throws(IOError) -> Int32 {
        let accepted = await runtime.submit(.accept(fd: listener, peer: nil))
        if let error = accepted.error { throw error }
        guard let fd = accepted.descriptor?.take() else { fatalError("accept: completion without a descriptor") }
        return fd
    }

    /// Sets an integer socket option to 1.
    static func setOption(_ runtime: Runtime, fd: Int32, level: Int32, name: Int32) async throws(IOError) {
        let one = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { one.deallocate() }
        one.pointee = 1
        let value = OpBuffer(base: UnsafeMutableRawPointer(one), count: 4, owner: nil)
        let set = await runtime.submit(.setSocketOption(fd: fd, level: level, name: name, value: value))
        if let error = set.error { throw error }
    }

    private static func value(_ completion: Completion) -> Int {
        switch completion.result {
        case .success(let n): n
        case .failure: -1
        }
    }
}

import Glibc
