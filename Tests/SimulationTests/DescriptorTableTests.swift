import Compio
import CompioSim
import Glibc
import Testing

@Suite struct DescriptorTableTests {
    @Test(arguments: SimSeeds.default)
    func closedNumberIsReusedAndInFlightOpsKeepTheOldFile(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        let a = try h.open(.openAt(directory: -100, path: try OpPath("/a"), flags: createReadWrite, mode: 0o644))
        #expect(a == 3)
        _ = try h.run(.writeAt(fd: a, buffer: OpBuffer(buffer("old file")), offset: 0))
        // In flight on 3 while 3 is closed and reopened onto another file.
        let read = h.start(.readAt(fd: a, buffer: OpBuffer(IOBuffer(capacity: 16)), offset: 0))
        let write = h.start(.writeAt(fd: a, buffer: OpBuffer(buffer("!")), offset: 8))
        try h.close(a)
        let b = try h.open(.openAt(directory: -100, path: try OpPath("/b"), flags: createReadWrite, mode: 0o644))
        #expect(b == 3, "the lowest free number is reused at once")
        let c = try h.wait(read)
        guard case .readAt(_, let out, _) = c.op, let owner = out.owner as? IOBuffer else { Issue.record("op changed"); return }
        owner.initialized = try c.result.get()
        #expect(owner.bytes == Array("old file".utf8) || owner.bytes == Array("old file!".utf8))
        #expect(try h.wait(write).result.get() == 1)
        #expect(h.driver.contentsOfFile(atPath: "/a") == Array("old file!".utf8))
        #expect(h.driver.contentsOfFile(atPath: "/b") == [])
        try h.close(b)
        expectClean(h.driver)
    }

    @Test func closingAPipeEndWithAReadInFlightKeepsThePipeOpen() throws {
        let h = SimHarness(seed: 4)
        let pipe = h.driver.makePipe()
        let read = h.start(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8))))
        try h.close(pipe.read)
        // The read still holds the read end, so the writer does not see EPIPE.
        #expect(try h.run(.write(fd: pipe.write, buffer: OpBuffer(buffer("hi")))).result.get() == 2)
        #expect(try h.wait(read).result.get() == 2)
        // Now the read end is gone for good.
        #expect(try h.run(.write(fd: pipe.write, buffer: OpBuffer(buffer("x")))).error == .code(EPIPE))
        try h.close(pipe.write)
        expectClean(h.driver)
    }
}
