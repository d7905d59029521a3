import Compio
import CompioSim
import Glibc
import Testing

@Suite struct FileSystemTests {
    @Test(arguments: SimSeeds.default)
    func concurrentWritesAndReadsMatchAModel(seed: UInt64) throws {
        let h = SimHarness(seed: seed)
        var pick = SimRandom(seed: seed ^ 0xF11E)
        let fd = try h.open(.openAt(directory: -100, path: try OpPath("/data"), flags: createReadWrite, mode: 0o644))
        var model: [UInt8] = []
        // Rounds of non-overlapping writes in flight together, then reads checked against the model.
        for _ in 0..<8 {
            var taken: [Range<Int>] = []
            var tickets: [Int] = []
            for _ in 0..<pick.int(in: 1...6) {
                let start = pick.int(in: 0...2000)
                let length = pick.int(in: 1...100)
                let range = start..<start + length
                if taken.contains(where: { $0.overlaps(range) }) { continue }
                taken.append(range)
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &pick) }
                if model.count < range.upperBound { model += Array(repeating: 0, count: range.upperBound - model.count) }
                model.replaceSubrange(range, with: bytes)
                tickets.append(h.start(.writeAt(fd: fd, buffer: OpBuffer(IOBuffer(bytes: bytes)), offset: Int64(start))))
            }
            for t in tickets {
                let c = try h.wait(t)
                guard case .writeAt(_, let b, _) = c.op else { Issue.record("op changed"); return }
                #expect(try c.result.get() == b.count)
            }
            var reads: [(Int, Int, Int)] = []
            for _ in 0..<4 {
                let start = pick.int(in: 0...2100)
                let length = pick.int(in: 1...200)
                reads.append((h.start(.readAt(fd: fd, buffer: OpBuffer(IOBuffer(capacity: length)), offset: Int64(start))), start, length))
            }
            for (t, start, length) in reads {
                let c = try h.wait(t)
                guard case .readAt(_, let b, _) = c.op, let owner = b.owner as? IOBuffer else { Issue.record("op changed"); return }
                let n = try c.result.get()
                let expected = start >= model.count ? [] : Array(model[start..<min(model.count, start + length)])
                owner.initialized = n
                #expect(owner.bytes == expected, "seed \(seed)")
            }
        }
        let meta = MetadataBuffer()
        _ = try h.run(.metadata(fd: fd, into: meta))
        #expect(meta.metadata.size == Int64(model.count))
        #expect(meta.metadata.isFile)
        #expect(h.driver.contentsOfFile(atPath: "/data") == model)
        try h.close(fd)
        expectClean(h.driver)
    }

    @Test func unsyncedDataIsLostOnCrash() throws {
        let h = SimHarness(seed: 11)
        let fd = try h.open(.openAt(directory: -100, path: try OpPath("/log"), flags: createReadWrite, mode: 0o644))
        _ = try h.run(.write(fd: fd, buffer: OpBuffer(buffer("durable "))))
        _ = try h.run(.sync(fd: fd, dataOnly: true))
        _ = try h.run(.write(fd: fd, buffer: OpBuffer(buffer("volatile"))))
        #expect(h.driver.contentsOfFile(atPath: "/log") == Array("durable volatile".utf8))
        h.driver.loseUnsyncedData()
        #expect(h.driver.contentsOfFile(atPath: "/log") == Array("durable ".utf8))
        try h.close(fd)
        expectClean(h.driver)
    }

    @Test func namespaceOps() throws {
        let h = SimHarness(seed: 12)
        func path(_ p: String) throws -> OpPath { try OpPath(p) }
        #expect(try h.run(.makeDirectoryAt(directory: -100, path: path("/a"), mode: 0o755)).result.get() == 0)
        #expect(try h.run(.makeDirectoryAt(directory: -100, path: path("/a"), mode: 0o755)).error == .code(EEXIST))
        let dir = try h.open(.openAt(directory: -100, path: path("/a"), flags: O_RDONLY | O_DIRECTORY, mode: 0))
        // Relative to the directory descriptor.
        let f = try h.open(.openAt(directory: dir, path: path("f"), flags: createReadWrite, mode: 0o600))
        _ = try h.run(.write(fd: f, buffer: OpBuffer(buffer("abc"))))
        #expect(try h.run(.linkAt(fromDirectory: dir, from: path("f"), toDirectory: -100, to: path("/a/g"))).result.get() == 0)
        #expect(try h.run(.symlinkAt(target: path("/a/g"), directory: -100, link: path("/s"))).result.get() == 0)
        let meta = MetadataBuffer()
        _ = try h.run(.metadataAt(directory: -100, path: path("/s"), followSymlinks: true, into: meta))
        #expect(meta.metadata.size == 3 && meta.metadata.linkCount == 2)
        _ = try h.run(.metadataAt(directory: -100, path: path("/s"), followSymlinks: false, into: meta))
        #expect(meta.metadata.isSymlink)
        #expect(try h.run(.renameAt(fromDirectory: -100, from: path("/a/g"), toDirectory: -100, to: path("/h"))).result.get() == 0)
        #expect(h.driver.contentsOfFile(atPath: "/h") == Array("abc".utf8))
        #expect(try h.run(.unlinkAt(directory: -100, path: path("/a"), removeDirectory: true)).error == .code(ENOTEMPTY))
        // Unlink while open: the descriptor still reads and writes the file.
        #expect(try h.run(.unlinkAt(directory: dir, path: path("f"), removeDirectory: false)).result.get() == 0)
        #expect(try h.run(.unlinkAt(directory: -100, path: path("/h"), removeDirectory: false)).result.get() == 0)
        _ = try h.run(.writeAt(fd: f, buffer: OpBuffer(buffer("Z")), offset: 0))
        let back = IOBuffer(capacity: 8)
        #expect(try h.run(.readAt(fd: f, buffer: OpBuffer(back), offset: 0)).result.get() == 3)
        back.initialized = 3
        #expect(back.bytes == Array("Zbc".utf8))
        #expect(try h.run(.truncate(fd: f, length: 1)).result.get() == 0)
        _ = try h.run(.metadata(fd: f, into: meta))
        #expect(meta.metadata.size == 1 && meta.metadata.linkCount == 0)
        #expect(h.driver.contentsOfFile(atPath: "/h") == nil)
        #expect(try h.run(.openAt(directory: -100, path: path("/nope/x"), flags: O_RDONLY, mode: 0)).error == .code(ENOENT))
        try h.close(f)
        try h.close(dir)
        #expect(try h.run(.unlinkAt(directory: -100, path: path("/a"), removeDirectory: true)).result.get() == 0)
        expectClean(h.driver)
    }
}
