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
                // Everything read goes back out, until the client closes.
                var (reader, writer) = (stream, stream)
                _ = try? await copy(from: &reader, to: &writer, bufferSize: 16 * 1024)
                try? await stream.close()
            }
        }
    }
} catch {
    print("echo-server: \(error)")
}
