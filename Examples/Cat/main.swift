import Compio
import Glibc

// cat FILE...: writes files to standard output, chunk by chunk.

let paths = Array(CommandLine.arguments.dropFirst())
do {
    let runtime = try Runtime()
    try runtime.blockOn { () async throws(IOError) in
        for path in paths {
            let file = try await File.open(path)
            for try await chunk in file.chunks(size: 64 * 1024) {
                var rest = chunk[...]
                while !rest.isEmpty {
                    let buffer = IOBuffer(bytes: rest)
                    let n = try await runtime.submit(.write(fd: 1, buffer: OpBuffer(buffer, count: rest.count))).result.get()
                    rest = rest.dropFirst(n)
                }
            }
            try await file.close()
        }
    }
} catch {
    print("cat: \(error)")
    exit(1)
}
