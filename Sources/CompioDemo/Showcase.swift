import Compio
import Glibc
import SystemPackage

/// `value` with three decimals.
func fixed3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    return "\(thousandths / 1000).\(String(thousandths % 1000 + 1000).dropFirst())"
}

/// Seconds between two instants of the runtime's clock.
func seconds(_ start: Instant, _ end: Instant) -> Double {
    Double(start.duration(to: end).nanosecondsClamped) / 1e9
}

/// Writes a file, copies it through the runtime and checks the copy.
func fileCopy(in directory: String) async throws(IOError) {
    let runtime = Runtime.current!
    let size = 32 * 1024 * 1024
    let chunk = 1024 * 1024
    let source = directory + "/source.bin"
    let target = directory + "/copy.bin"
    let pattern = (0..<chunk).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    let writer = try await File.create(source)
    for offset in stride(from: 0, to: size, by: chunk) {
        try await writer.writeAll(OwnedBuffer(pattern), at: UInt64(offset)).result.get()
    }
    try await writer.close()

    let start = runtime.now
    let input = try await File.open(source)
    let output = try await File.create(target)
    var buffer = OwnedBuffer(capacity: chunk)
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
    try await output.syncData()
    try await input.close()
    try await output.close()
    let elapsed = seconds(start, runtime.now)

    let copy = try await FileSystem.readFile(at: target, limit: size)
    let identical = copy.count == size && stride(from: 0, to: size, by: chunk).allSatisfy { copy[$0..<$0 + chunk].elementsEqual(pattern) }
    print("file copy: \(size >> 20) MiB in \(fixed3(elapsed)) s, \(Int(Double(size >> 20) / elapsed)) MiB/s, copy identical: \(identical)")
}

/// Runs an echo server and clients on loopback and reports round trips per second.
func echo(clients: Int, roundTrips: Int, messageSize: Int) async throws(IOError) {
    let runtime = Runtime.current!
    let listener = try await TcpListener.bind(.loopback(port: 0))
    let address = try await listener.localAddress
    let server = runtime.spawn { () async -> Void in
        for _ in 0..<clients {
            guard let (stream, _) = try? await listener.accept() else { return }
            runtime.spawn { () async -> Void in
                // Echo: everything read goes back out, until the client closes.
                var (reader, writer) = (stream, stream)
                _ = try? await copy(from: &reader, to: &writer)
                try? await stream.close()
            }
        }
    }

    let start = runtime.now
    let handles = (0..<clients).map { _ in
        runtime.spawn { () async throws(IOError) -> Int in
            let stream = try await TcpStream.connect(to: address)
            try await stream.setNoDelay(true)
            var message = OwnedBuffer((0..<messageSize).map { UInt8(truncatingIfNeeded: $0) })
            var reply = OwnedBuffer(capacity: messageSize)
            var done = 0
            for _ in 0..<roundTrips {
                let sent = await stream.writeAll(message)
                message = sent.buffer
                _ = try sent.result.get()
                let got = await stream.readExact(into: reply)
                reply = got.buffer
                guard try got.result.get() == messageSize else { throw .unexpectedEndOfStream }
                done += 1
            }
            try await stream.close()
            return done
        }
    }
    var total = 0
    for h in handles {
        switch await h.result {
        case .success(let n): total += n
        case .failure(let e): print("echo client failed: \(e)")
        }
    }
    let elapsed = seconds(start, runtime.now)
    await server.value
    try await listener.close()
    print("tcp echo: \(clients) clients x \(roundTrips) round trips of \(messageSize) B: \(total) in \(fixed3(elapsed)) s, \(Int(Double(total) / elapsed)) round trips/s")
}

/// The default showcase.
func showcase(_ runtime: Runtime) async {
    if let selection = DriverSelection.last {
        print("driver: \(runtime.driverKind) (\(selection))")
    } else {
        print("driver: \(runtime.driverKind)")
    }
    let directory = "/tmp/compio-demo-\(getpid())"
    do {
        try await FileSystem.createDirectory(at: directory, recursive: true)
        try await fileCopy(in: directory)
        try await echo(clients: 16, roundTrips: 2_000, messageSize: 64)
    } catch {
        print("compio-demo: \(error)")
    }
    for name in ["source.bin", "copy.bin"] { try? await FileSystem.removeFile(at: directory + "/" + name) }
    try? await FileSystem.removeDirectory(at: directory)
}
