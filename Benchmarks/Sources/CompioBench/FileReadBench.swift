import BenchSupport
import Compio
import Glibc

/// Reads from a page-cached file on one runtime thread: `--tasks` tasks (the
/// queue depth), each reading `--block` bytes at a time at random
/// block-aligned offsets (`--mode rand`) or in order (`--mode seq`).
///
/// `--api file` (the default) reads through the user-facing `File` with an
/// `OwnedBuffer` per task; `--api op` submits raw `readAt` ops, which shows
/// what the `File` layer (shared descriptor, owned buffer) adds.
enum FileReadBench {
    static func run(_ options: Options) throws {
        let path = options.string("file", "/tmp/compio-bench/data-1g")
        let block = options.int("block", 4096)
        let tasks = options.int("tasks", 1)
        let random = options.string("mode", "rand") == "rand"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { fatalError("compio-bench read: cannot open \(path)") }
        defer { Glibc.close(fd) }
        var st = stat()
        fstat(fd, &st)
        let blocks = UInt64(st.st_size) / UInt64(block)
        precondition(blocks > 0, "compio-bench read: \(path) is smaller than one block")

        let runtime = try RuntimeBuilder(choice: options.driver).build()
        let meter = Meter(options)
        let sequential = SequentialCursor()
        if options.string("api", "file") == "file" {
            try runtime.blockOn { () async throws -> Void in
                let file = try await File.open(path)
                var handles: [JoinHandle<Void, Never>] = []
                for index in 0..<tasks {
                    handles.append(runtime.spawn {
                        var buffer = OwnedBuffer(capacity: block)
                        var offsets = XorShift(stream: UInt64(index))
                        while !meter.stopped {
                            let blockIndex = random ? offsets.next() % blocks : sequential.next() % blocks
                            let outcome = await file.read(buffer, at: blockIndex * UInt64(block))
                            let n = (try? outcome.result.get()) ?? -1
                            buffer = outcome.buffer
                            precondition(n == block, "compio-bench read: short or failed read (\(n))")
                            meter.tick()
                        }
                    })
                }
                for handle in handles { await handle.value }
                try await file.close()
            }
            meter.report(unit: "ops/s")
            return
        }
        runtime.blockOn {
            var handles: [JoinHandle<Void, Never>] = []
            for index in 0..<tasks {
                handles.append(runtime.spawn {
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: block, alignment: 4096)
                    defer { buffer.deallocate() }
                    var offsets = XorShift(stream: UInt64(index))
                    while !meter.stopped {
                        let blockIndex = random ? offsets.next() % blocks : sequential.next() % blocks
                        let n = await BenchIO.readAt(runtime, fd: fd, buffer, count: block, offset: Int64(blockIndex) * Int64(block))
                        precondition(n == block, "compio-bench read: short or failed read (\(n))")
                        meter.tick()
                    }
                })
            }
            for handle in handles { await handle.value }
        }
        meter.report(unit: "ops/s")
    }
}

/// The next block of a sequential scan, shared by the tasks of one runtime.
final class SequentialCursor: @unchecked Sendable {
    private var position: UInt64 = 0

    func next() -> UInt64 {
        defer { position &+= 1 }
        return position
    }
}
