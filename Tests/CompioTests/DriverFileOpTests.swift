import CLinux
import Compio
import Glibc
import SystemPackage
import Testing

/// File and directory ops through the driver, on the real kernel.
@Suite struct DriverFileOpTests {
    /// Opens (creating) `path` read-write through the driver and takes the descriptor.
    static func open(_ driver: any Driver, _ path: String, flags: Int32 = O_CREAT | O_RDWR) throws -> Int32 {
        let c = try driver.expectSuccess(.openAt(directory: AT_FDCWD, path: try OpPath(path), flags: flags, mode: 0o644))
        guard let descriptor = c.descriptor else { throw HarnessError.noCompletion(c.key) }
        #expect(try c.result.get() == Int(descriptor.raw))
        return descriptor.take()
    }

    static func metadata(_ driver: any Driver, fd: Int32) throws -> FileMetadata {
        let into = MetadataBuffer()
        try driver.expectSuccess(.metadata(fd: fd, into: into))
        return into.metadata
    }

    static func metadata(_ driver: any Driver, path: String, follow: Bool = true) throws -> Result<FileMetadata, IOError> {
        let into = MetadataBuffer()
        let c = try driver.run(.metadataAt(directory: AT_FDCWD, path: try OpPath(path), followSymlinks: follow, into: into))
        return c.result.map { _ in into.metadata }
    }

    @Test(arguments: TestDrivers.choices)
    func writeReadBackSyncMetadataTruncateClose(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let fd = try Self.open(driver, dir + "/data")
        let text = IOBuffer(bytes: Array("hello world".utf8))
        #expect(try driver.run(.writeAt(fd: fd, buffer: OpBuffer(text, count: 11), offset: 0)).result == .success(11))
        let tail = IOBuffer(bytes: Array("!!".utf8))
        #expect(try driver.run(.write(fd: fd, buffer: OpBuffer(tail, count: 2))).result == .success(2))
        #expect(try driver.run(.sync(fd: fd, dataOnly: false)).result == .success(0))
        #expect(try driver.run(.sync(fd: fd, dataOnly: true)).result == .success(0))
        let into = IOBuffer(capacity: 32)
        let r = try driver.run(.readAt(fd: fd, buffer: OpBuffer(into), offset: 6))
        into.initialized = try r.result.get()
        #expect(into.bytes == Array("world".utf8), "the write at the current position went to offset 0")
        let meta = try Self.metadata(driver, fd: fd)
        #expect(meta.size == 11 || meta.size == 13)
        #expect(meta.isFile)
        #expect(try driver.run(.truncate(fd: fd, length: 5)).result == .success(0))
        #expect(try Self.metadata(driver, fd: fd).size == 5)
        let all = IOBuffer(capacity: 32)
        let whole = try driver.run(.readAt(fd: fd, buffer: OpBuffer(all), offset: 0))
        all.initialized = try whole.result.get()
        #expect(all.bytes.count == 5)
        #expect(try driver.run(.close(fd: fd)).result == .success(0))
        #expect(!OpenDescriptors.isOpen(fd))
    }

    @Test(arguments: TestDrivers.choices)
    func sequentialReadAndWriteAdvanceThePosition(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let fd = try Self.open(driver, dir + "/seq")
        defer { Fixture.close(fd) }
        for word in ["ab", "cd"] {
            let b = IOBuffer(bytes: Array(word.utf8))
            #expect(try driver.run(.write(fd: fd, buffer: OpBuffer(b, count: 2))).result == .success(2))
        }
        _ = lseek(fd, 0, SEEK_SET)
        var read: [UInt8] = []
        for _ in 0..<3 {
            let b = IOBuffer(capacity: 3)
            let c = try driver.run(.read(fd: fd, buffer: OpBuffer(b)))
            b.initialized = try c.result.get()
            read += b.bytes
        }
        #expect(read == Array("abcd".utf8), "reads continue where the last one stopped, then hit end of file")
    }

    @Test(arguments: TestDrivers.choices)
    func vectoredWriteAndRead(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let fd = try Self.open(driver, dir + "/vec")
        defer { Fixture.close(fd) }
        let a = IOBuffer(bytes: Array("abc".utf8)), b = IOBuffer(bytes: Array("defg".utf8))
        let out = OpBufferVector([OpBuffer(a, count: 3), OpBuffer(b, count: 4)])
        #expect(try driver.run(.writeVectoredAt(fd: fd, buffers: out, offset: 0)).result == .success(7))
        let more = OpBufferVector([OpBuffer(IOBuffer(bytes: Array("h".utf8)), count: 1)])
        #expect(try driver.run(.writeVectored(fd: fd, buffers: more)).result == .success(1))
        let x = IOBuffer(capacity: 2), y = IOBuffer(capacity: 10)
        let into = OpBufferVector([OpBuffer(x), OpBuffer(y)])
        let c = try driver.run(.readVectoredAt(fd: fd, buffers: into, offset: 1))
        let n = try c.result.get()
        #expect(n == 6 || n == 7)
        x.initialized = 2
        y.initialized = n - 2
        #expect(x.bytes == Array("bc".utf8))
        #expect(y.bytes.starts(with: Array("defg".utf8)))
        _ = lseek(fd, 0, SEEK_SET)
        let z = IOBuffer(capacity: 4)
        #expect(try driver.run(.readVectored(fd: fd, buffers: OpBufferVector([OpBuffer(z)]))).result == .success(4))
    }

    @Test(arguments: TestDrivers.choices)
    func directoryOps(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let sub = dir + "/sub"
        try driver.expectSuccess(.makeDirectoryAt(directory: AT_FDCWD, path: try OpPath(sub), mode: 0o755))
        #expect(try Self.metadata(driver, path: sub).get().isDirectory)
        let again = try driver.run(.makeDirectoryAt(directory: AT_FDCWD, path: try OpPath(sub), mode: 0o755))
        #expect(again.error == .errno(.fileExists))

        Fixture.close(try Self.open(driver, sub + "/a"))
        try driver.expectSuccess(.renameAt(fromDirectory: AT_FDCWD, from: try OpPath(sub + "/a"), toDirectory: AT_FDCWD, to: try OpPath(sub + "/b")))
        #expect(try Self.metadata(driver, path: sub + "/a").map { _ in 0 } == .failure(.errno(.noSuchFileOrDirectory)))
        try driver.expectSuccess(.linkAt(fromDirectory: AT_FDCWD, from: try OpPath(sub + "/b"), toDirectory: AT_FDCWD, to: try OpPath(sub + "/c")))
        #expect(try Self.metadata(driver, path: sub + "/b").get().linkCount == 2)
        try driver.expectSuccess(.symlinkAt(target: try OpPath("b"), directory: AT_FDCWD, link: try OpPath(sub + "/s")))
        #expect(try Self.metadata(driver, path: sub + "/s", follow: false).get().isSymlink)
        #expect(try Self.metadata(driver, path: sub + "/s", follow: true).get().isFile)

        for name in ["b", "c", "s"] {
            try driver.expectSuccess(.unlinkAt(directory: AT_FDCWD, path: try OpPath(sub + "/" + name), removeDirectory: false))
        }
        try driver.expectSuccess(.unlinkAt(directory: AT_FDCWD, path: try OpPath(sub), removeDirectory: true))
        #expect(try Self.metadata(driver, path: sub).map { _ in 0 } == .failure(.errno(.noSuchFileOrDirectory)))
    }

    @Test(arguments: TestDrivers.choices)
    func errorPaths(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let badFD: Int32 = 1_000_000
        let b = IOBuffer(capacity: 8)
        #expect(try driver.run(.read(fd: badFD, buffer: OpBuffer(b))).error == .errno(.badFileDescriptor))
        #expect(try driver.run(.write(fd: badFD, buffer: OpBuffer(b, count: 0))).error == .errno(.badFileDescriptor))
        #expect(try driver.run(.sync(fd: badFD, dataOnly: false)).error == .errno(.badFileDescriptor))
        #expect(try driver.run(.metadata(fd: badFD, into: MetadataBuffer())).error == .errno(.badFileDescriptor))

        let fd = try Self.open(driver, dir + "/f")
        defer { Fixture.close(fd) }
        #expect(try driver.run(.readAt(fd: fd, buffer: OpBuffer(b), offset: -1)).error == .errno(.invalidArgument))
        #expect(try driver.run(.readAt(fd: fd, buffer: OpBuffer(b), offset: -5)).error == .errno(.invalidArgument))
        #expect(try driver.run(.writeAt(fd: fd, buffer: OpBuffer(b), offset: -1)).error == .errno(.invalidArgument))

        let missing = try driver.run(.openAt(directory: AT_FDCWD, path: try OpPath(dir + "/missing"), flags: O_RDONLY, mode: 0))
        #expect(missing.error == .errno(.noSuchFileOrDirectory))
        #expect(missing.descriptor == nil)
        #expect(throws: IOError.pathContainsNul) { try OpPath("bad\0path") }
        let unlinkMissing = try driver.run(.unlinkAt(directory: AT_FDCWD, path: try OpPath(dir + "/missing"), removeDirectory: false))
        #expect(unlinkMissing.error == .errno(.noSuchFileOrDirectory))
    }

    @Test(arguments: TestDrivers.choices)
    func unclaimedOpenedDescriptorIsClosed(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let before = OpenDescriptors.count()
        var fd: Int32 = -1
        do {
            let c = try driver.run(.openAt(directory: AT_FDCWD, path: try OpPath(dir + "/x"), flags: O_CREAT | O_RDWR, mode: 0o600))
            fd = Int32(try c.result.get())
            #expect(OpenDescriptors.isOpen(fd))
        }
        #expect(!OpenDescriptors.isOpen(fd), "a dropped completion closes its descriptor")
        #expect(OpenDescriptors.count() == before)
    }
}
