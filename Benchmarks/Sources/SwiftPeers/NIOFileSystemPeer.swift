import BenchSupport
import NIOCore
import _NIOFileSystem

/// swift-nio's `_NIOFileSystem`: `readChunk(fromAbsoluteOffset:length:)`
/// awaited by `--tasks` concurrent tasks (the queue depth).
enum NIOFileSystemPeer {
    static func run(_ options: Options) async throws {
        let path = options.string("file", "/tmp/compio-bench/data-1g")
        let block = options.int("block", 4096)
        let tasks = options.int("tasks", 1)
        let random = options.string("mode", "rand") == "rand"
        let window = Window(warmup: options.double("warmup", 0.3), seconds: options.double("seconds", 1))
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            let blocks = UInt64(size) / UInt64(block)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<tasks {
                    group.addTask {
                        var offsets = XorShift(stream: UInt64(index))
                        var next = UInt64(index)
                        while !window.stopped {
                            let blockIndex = random ? offsets.next() % blocks : next % blocks
                            next &+= UInt64(tasks)
                            let chunk = try await handle.readChunk(
                                fromAbsoluteOffset: Int64(blockIndex) * Int64(block), length: .bytes(Int64(block)))
                            precondition(chunk.readableBytes == block, "short read")
                            window.tick()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        window.report(unit: "ops/s")
    }
}
