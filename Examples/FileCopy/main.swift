import Compio
import Glibc

// file-copy SOURCE TARGET: copies a file through positioned reads and writes,
// one buffer handed back and forth between the kernel and this task.

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    print("usage: file-copy SOURCE TARGET")
    exit(2)
}
do {
    let runtime = try Runtime()
    let copied = try runtime.blockOn { () async throws(IOError) -> UInt64 in
        let input = try await File.open(arguments[0])
        let output = try await File.create(arguments[1])
        var buffer = OwnedBuffer(capacity: 1 << 20)
        var offset: UInt64 = 0
        while true {
            let read = await input.read(buffer, at: offset)
            let n = try read.result.get()
            buffer = read.buffer
            if n == 0 { break }
            let written = await output.writeAll(buffer, at: offset)
            try written.result.get()
            buffer = written.buffer
            offset += UInt64(n)
        }
        try await output.sync()
        try await input.close()
        try await output.close()
        return offset
    }
    print("copied \(copied) bytes")
} catch {
    print("file-copy: \(error)")
    exit(1)
}
