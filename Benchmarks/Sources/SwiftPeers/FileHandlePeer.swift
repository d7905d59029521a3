import BenchSupport
import Foundation

/// Foundation's `FileHandle`: `seek(toOffset:)` then `read(upToCount:)`, the
/// synchronous API a Swift user reaches for first.
enum FileHandlePeer {
    static func run(_ options: Options) throws {
        let path = options.string("file", "/tmp/compio-bench/data-1g")
        let block = options.int("block", 4096)
        let random = options.string("mode", "rand") == "rand"
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let blocks = try handle.seekToEnd() / UInt64(block)
        var offsets = XorShift()
        var next: UInt64 = 0
        let window = Window(warmup: options.double("warmup", 0.3), seconds: options.double("seconds", 1))
        while !window.stopped {
            let index = random ? offsets.next() % blocks : next % blocks
            next &+= 1
            try handle.seek(toOffset: index * UInt64(block))
            guard let data = try handle.read(upToCount: block), data.count == block else { fatalError("short read") }
            window.tick()
        }
        window.report(unit: "ops/s")
        try handle.close()
    }
}
