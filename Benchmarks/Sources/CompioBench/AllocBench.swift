import BenchSupport
import Compio
import Glibc

/// Allocation counts that the timed benchmarks do not give: per spawned task
/// and per accepted connection.
enum AllocBench {
    /// Spawns `--count` tasks that each await one NOP, joined in order.
    static func spawn(_ options: Options) throws {
        let runtime = try RuntimeBuilder(choice: options.driver).build()
        let count = options.int("count", 20_000)
        runtime.blockOn {
            var handles: [JoinHandle<Void, Never>] = []
            handles.reserveCapacity(count)
            // Warm-up: grows the runtime's tables and the task registry.
            for _ in 0..<count { handles.append(runtime.spawn { await BenchIO.nop(runtime) }) }
            for handle in handles { await handle.value }
            handles.removeAll(keepingCapacity: true)

            let mallocs = MallocCounter.count
            let start = monotonicNanos()
            for _ in 0..<count { handles.append(runtime.spawn { await BenchIO.nop(runtime) }) }
            for handle in handles { await handle.value }
            let seconds = Double(monotonicNanos() - start) / 1e9
            print("RESULT value=\(Int(Double(count) / seconds)) unit=tasks/s allocs_per_op=\(MallocCounter.perOp(since: mallocs, ops: count))")
        }
    }

    /// Accepts `--count` loopback connections one at a time and closes each;
    /// the client side is a plain blocking `connect` on the runtime's thread,
    /// which loopback completes without waiting for the accept and which
    /// allocates nothing.
    static func accept(_ options: Options) throws {
        let runtime = try RuntimeBuilder(choice: options.driver).build()
        let count = options.int("count", 5_000)
        let port = UInt16(options.int("port", 7100))
        try runtime.blockOn { () async throws -> Void in
            let listener = try await BenchIO.listen(runtime, port: port)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            func once() async throws {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                precondition(connected == 0, "connect failed: errno \(errno)")
                let fd = try await BenchIO.accept(runtime, listener: listener)
                await BenchIO.close(runtime, fd: fd)
                Glibc.close(client)
            }
            for _ in 0..<200 { try await once() }
            let mallocs = MallocCounter.count
            let start = monotonicNanos()
            for _ in 0..<count { try await once() }
            let seconds = Double(monotonicNanos() - start) / 1e9
            print("RESULT value=\(Int(Double(count) / seconds)) unit=accepts/s allocs_per_op=\(MallocCounter.perOp(since: mallocs, ops: count))")
            await BenchIO.close(runtime, fd: listener)
        }
    }
}
