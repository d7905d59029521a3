import Compio

// echo-server [port]: echoes every TCP connection on 127.0.0.1 until killed.
// Each connection is one task on the runtime's thread.

let port = CommandLine.arguments.dropFirst().first.flatMap(UInt16.init) ?? 7007
do {
    let runtime = try Runtime()
    try runtime.blockOn { () async throws(IOError) in
        let listener = try await TcpListener.bind(.loopback(port: port))
        print("echo-server on \(try await listener.localAddress) (driver: \(runtime.driverKind))")
        for try await stream in listener.incoming {
            runtime.spawn {
                var buffer = OwnedBuffer(capacity: 16 * 1024)
                while true {
                    let read = await stream.read(buffer)
                    buffer = read.buffer
                    guard case .success(let n) = read.result, n > 0 else { break }
                    let written = await stream.writeAll(buffer)
                    buffer = written.buffer
                    if case .failure = written.result { break }
                }
                try? await stream.close()
            }
        }
    }
} catch {
    print("echo-server: \(error)")
}
