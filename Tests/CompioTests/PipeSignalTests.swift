import Compio
import Glibc
import Testing

/// A write to a pipe whose reader is gone is an `EPIPE` error, not a
/// `SIGPIPE` that ends the process: the runtime ignores the signal.
@Suite struct PipeSignalTests {
    @Test(arguments: TestDrivers.choices)
    func aWriteToAPipeWithoutReaderIsEPIPE(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        Fixture.close(pipe.read)
        defer { Fixture.close(pipe.write) }
        let (error, disposition) = try await RuntimeHarness.run(choice) { runtime in
            let data = IOBuffer(bytes: [1, 2, 3])
            let completion = await runtime.submit(.write(fd: pipe.write, buffer: OpBuffer(data)))
            var action = sigaction()
            _ = sigaction(SIGPIPE, nil, &action)
            return (completion.error, unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self))
        }
        #expect(error == .errno(.brokenPipe))
        #expect(disposition == unsafeBitCast(SIG_IGN, to: Int.self), "SIGPIPE is ignored once a runtime exists")
    }
}
