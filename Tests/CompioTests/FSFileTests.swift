import Compio
import Glibc
import SystemPackage
import Testing

/// Runs file-system tests: a runtime of the given driver, a fresh temporary
/// directory, and a check that the test left no descriptor open.
enum FSTest {
    static func run<T: Sendable>(
        _ choice: DriverBuilder.Choice,
        configure: @escaping @Sendable (inout RuntimeBuilder) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: @escaping @Sendable (Runtime, String) async throws -> T
    ) async throws -> T {
        let before = OpenDescriptors.count()
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let value = try await RuntimeHarness.run(choice, configure: configure) { runtime in try await body(runtime, dir) }
        #expect(OpenDescriptors.count() == before, "the test left a descriptor open", sourceLocation: sourceLocation)
        return value
    }

    /// The error `body` threw, if it threw. Any error that is not an
    /// `IOError` is recorded as an issue: the API throws only `IOError`.
    static func error(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> IOError? {
        do {
            try await body()
            return nil
        } catch let error as IOError {
            return error
        } catch {
            Issue.record("not an IOError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Reads `count` bytes at `offset`, expecting success.
    static func read(_ file: File, _ count: Int, at offset: UInt64) async throws -> [UInt8] {
        let r = await file.read(OwnedBuffer(capacity: count), at: offset)
        let n = r.result
        let buffer = r.buffer
        _ = try n.get()
        return buffer.bytes
    }

    /// Writes all of `bytes` at `offset`, expecting success.
    static func write(_ file: File, _ bytes: [UInt8], at offset: UInt64) async throws {
        try await file.writeAll(OwnedBuffer(bytes), at: offset).get()
    }

    static let readWriteCreate = OpenOptions(access: .readWrite, options: [.create, .truncate])
}

@Suite(.serialized) struct FSFileTests {
    @Test(arguments: TestDrivers.choices)
    func createWriteThenOpenAndReadBack(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let path = FilePath(dir).appending("hello.txt")
            let writer = try await File.create(path)
            let w = await writer.write(OwnedBuffer(string: "hello world"), at: 0)
            let written = w.result
            #expect(try written.get() == 11)
            #expect(w.buffer.string == "hello world", "the buffer comes back with its data")
            try await writer.close()

            let reader = try await File.open(path)
            #expect(try await FSTest.read(reader, 64, at: 0) == Array("hello world".utf8))
            #expect(try await FSTest.read(reader, 3, at: 6) == Array("wor".utf8))
            #expect(try await FSTest.read(reader, 8, at: 100) == [], "a read past the end returns 0 bytes")
            let refused = await reader.write(OwnedBuffer(string: "x"), at: 0).result
            #expect(refused.error == .errno(.badFileDescriptor), "a read-only file refuses writes")
            try await reader.close()

            let viaString = try await File.open(dir + "/hello.txt")
            #expect(try await viaString.readToEnd() == Array("hello world".utf8))
            try await viaString.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func openOptionsMirrorSwiftSystem(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let path = dir + "/options"
            try await FileSystem.writeFile(at: path, bytes: Array("abc".utf8))

            let exclusive = await FSTest.error { _ = try await File.open(path, options: OpenOptions(access: .writeOnly, options: [.create, .exclusiveCreate])) }
            #expect(exclusive == .errno(.fileExists))

            let appender = try await File.open(path, options: OpenOptions(access: .writeOnly, options: [.append]))
            try await FSTest.write(appender, Array("de".utf8), at: 0)
            try await appender.close()
            #expect(try await FileSystem.readFile(at: path) == Array("abcde".utf8), "append writes at the end whatever the offset")

            let truncating = try await File.open(path, options: OpenOptions(access: .readWrite, options: [.truncate]))
            #expect(try await truncating.metadata().size == 0)
            // Close-on-exec is always on, though the options did not ask for it.
            #expect(fcntl(truncating.descriptor.raw, F_GETFD) & FD_CLOEXEC != 0)
            try await truncating.close()

            let link = dir + "/link"
            try await FileSystem.createSymlink(at: link, pointingTo: path)
            let noFollow = await FSTest.error { _ = try await File.open(link, options: OpenOptions(options: [.noFollow])) }
            #expect(noFollow == .errno(.tooManySymbolicLinkLevels))

            let privatePath = dir + "/private"
            let created = try await File.open(privatePath, options: OpenOptions(access: .writeOnly, options: [.create], permissions: .ownerReadWrite))
            try await created.close()
            #expect(try await FileSystem.metadata(at: privatePath).filePermissions == .ownerReadWrite)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func missingFileIsENOENT(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let missing = dir + "/missing"
            #expect(await FSTest.error { _ = try await File.open(missing) } == .errno(.noSuchFileOrDirectory))
            #expect(await FSTest.error { _ = try await File.open(FilePath(missing)) } == .errno(.noSuchFileOrDirectory))
            #expect(await FSTest.error { _ = try await FileSystem.readFile(at: missing) } == .errno(.noSuchFileOrDirectory))
            #expect(await FSTest.error { _ = try await File.create(dir + "/no/such/dir") } == .errno(.noSuchFileOrDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func pathWithNulIsRefusedBeforeAnyOp(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let bad = dir + "/a\0b"
            #expect(await FSTest.error { _ = try await File.open(bad) } == .pathContainsNul)
            #expect(await FSTest.error { _ = try await File.create(bad) } == .pathContainsNul)
            #expect(await FSTest.error { _ = try await FileSystem.metadata(at: bad) } == .pathContainsNul)
            #expect(await FSTest.error { try await FileSystem.writeFile(at: bad, bytes: [1]) } == .pathContainsNul)
            #expect(await FSTest.error { try await FileSystem.rename(from: dir, to: bad) } == .pathContainsNul)
            #expect(await FSTest.error { try await FileSystem.createDirectory(at: bad, recursive: true) } == .pathContainsNul)
            // Nothing was created under the truncated name.
            #expect(await FSTest.error { _ = try await FileSystem.metadata(at: dir + "/a") } == .errno(.noSuchFileOrDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func readingADirectoryIsEISDIR(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let directory = try await File.open(dir)
            let r = await directory.read(OwnedBuffer(capacity: 16), at: 0).result
            #expect(r.error == .errno(.isDirectory))
            #expect(try await directory.metadata().isDirectory)
            try await directory.close()
            #expect(await FSTest.error { _ = try await FileSystem.readFile(at: dir) } == .errno(.isDirectory))
            #expect(await FSTest.error { _ = try await File.create(dir) } == .errno(.isDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func everyOpAfterCloseIsClosed(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let file = try await File.open(dir + "/f", options: FSTest.readWriteCreate)
            let clone = file
            try await FSTest.write(file, [1, 2, 3], at: 0)
            try await file.close()
            #expect(await clone.read(OwnedBuffer(capacity: 4), at: 0).result.error == .closed)
            #expect(await clone.write(OwnedBuffer([1]), at: 0).result.error == .closed)
            #expect(await clone.readExact(into: OwnedBuffer(capacity: 2), at: 0).result.error == .closed)
            #expect(await clone.writeAll(OwnedBuffer([1]), at: 0).result.error == .closed)
            #expect(await FSTest.error { _ = try await clone.readToEnd() } == .closed)
            #expect(await FSTest.error { try await clone.sync() } == .closed)
            #expect(await FSTest.error { try await clone.syncData() } == .closed)
            #expect(await FSTest.error { _ = try await clone.metadata() } == .closed)
            #expect(await FSTest.error { try await clone.setLength(0) } == .closed)
            #expect(await FSTest.error { for try await _ in clone.chunks() {} } == .closed)
            // A second close sees the first one's result instead of closing a reused number.
            try await clone.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func readExactAndWriteAllMoveEveryByte(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let file = try await File.open(dir + "/exact", options: FSTest.readWriteCreate)
            let data = (0..<(1 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let w = await file.writeAll(OwnedBuffer(data), at: 5)
            _ = try w.result.get()
            #expect(w.buffer.count == data.count, "writeAll hands the buffer back untouched")
            #expect(try await file.metadata().size == Int64(data.count + 5))

            let r = await file.readExact(into: OwnedBuffer(capacity: data.count), at: 5)
            _ = try r.result.get()
            #expect(r.buffer.bytes == data)

            // Reading into a slice fills only the slice.
            var base = OwnedBuffer(capacity: 8)
            base.append([9, 9, 9, 9])
            let s = await file.readExact(into: BufferSlice(base, range: 4..<8), at: 5)
            _ = try s.result.get()
            #expect(s.buffer.into().bytes == [9, 9, 9, 9] + data.prefix(4))

            // The file ends 10 bytes in: the first read is short, the next meets the end.
            let short = await file.readExact(into: OwnedBuffer(capacity: 20), at: UInt64(data.count + 5 - 10))
            #expect(short.result.error == .unexpectedEndOfStream)
            #expect(short.buffer.bytes == Array(data.suffix(10)), "the bytes read before the end come back")

            let empty = await file.writeAll(OwnedBuffer(capacity: 0), at: 0).result
            #expect(throws: Never.self) { try empty.get() }
            try await file.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func offsetsBeyondInt64AreInvalidArguments(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let file = try await File.open(dir + "/big", options: FSTest.readWriteCreate)
            let beyond = UInt64(Int64.max) + 1
            func isInvalid(_ e: IOError?) -> Bool { if case .invalidArgument = e { true } else { false } }
            #expect(isInvalid(await file.read(OwnedBuffer(capacity: 1), at: beyond).result.error))
            #expect(isInvalid(await file.write(OwnedBuffer([1]), at: .max).result.error))
            #expect(isInvalid(await file.readExact(into: OwnedBuffer(capacity: 1), at: beyond).result.error))
            // The last offset Int64 holds is the kernel's to refuse.
            let atMax = await file.writeAll(OwnedBuffer([1, 2]), at: UInt64(Int64.max)).result.error
            #expect(atMax == .errno(.fileTooLarge) || atMax == .errno(.invalidArgument), "\(String(describing: atMax))")
            #expect(isInvalid(await FSTest.error { try await file.setLength(beyond) }))
            #expect(isInvalid(await FSTest.error { _ = try await file.readToEnd(from: beyond) }))
            #expect(isInvalid(await FSTest.error { _ = try await file.readToEnd(limit: -1) }))
            #expect(try await file.metadata().size <= 1, "nothing was written at a wrapped-around offset")
            try await file.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func readToEndHonoursItsLimit(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let path = dir + "/limited"
            let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
            try await FileSystem.writeFile(at: path, bytes: data)
            let file = try await File.open(path)
            #expect(try await file.readToEnd() == data)
            #expect(try await file.readToEnd(limit: 10_000) == data, "exactly at the limit is fine")
            #expect(try await file.readToEnd(from: 9_000, limit: 1_000) == Array(data.suffix(1_000)))
            #expect(await FSTest.error { _ = try await file.readToEnd(limit: 9_999) } == .errno(.fileTooLarge))
            #expect(await FSTest.error { _ = try await file.readToEnd(limit: 0) } == .errno(.fileTooLarge))
            #expect(try await file.readToEnd(from: 20_000) == [], "from beyond the end: nothing")
            try await file.close()
            #expect(await FSTest.error { _ = try await FileSystem.readFile(at: path, limit: 100) } == .errno(.fileTooLarge))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func readToEndGrowsPastTheReportedSize(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, _ in
            // /proc files report size 0 yet hold data: every byte comes from growing.
            let smaps = try await File.open("/proc/self/smaps")
            #expect(try await smaps.metadata().size == 0)
            let content = try await smaps.readToEnd()
            let text = String(decoding: content, as: UTF8.self)
            #expect(content.count > 4096 && text.contains("Size:") && text.hasSuffix("\n"), "\(content.count) bytes")
            #expect(await FSTest.error { _ = try await smaps.readToEnd(limit: 5_000) } == .errno(.fileTooLarge))
            try await smaps.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func syncSetLengthAndMetadata(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let file = try await File.open(dir + "/len", options: FSTest.readWriteCreate)
            try await FSTest.write(file, [1, 2, 3, 4], at: 0)
            try await file.sync()
            try await file.syncData()
            try await file.setLength(10)
            let meta = try await file.metadata()
            #expect(meta.size == 10 && meta.isFile && !meta.isDirectory && meta.linkCount == 1)
            #expect(try await FSTest.read(file, 16, at: 0) == [1, 2, 3, 4, 0, 0, 0, 0, 0, 0], "an extension reads as zeros")
            try await file.setLength(2)
            #expect(try await FSTest.read(file, 16, at: 0) == [1, 2])
            #expect(meta.modificationTime > .zero && meta.statusChangeTime > .zero)
            try await file.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func chunksReadTheFileInOrder(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let path = dir + "/chunks"
            let data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
            try await FileSystem.writeFile(at: path, bytes: data)
            let file = try await File.open(path)
            var sizes: [Int] = []
            var joined: [UInt8] = []
            for try await chunk in file.chunks(size: 65_536) {
                sizes.append(chunk.count)
                joined += chunk
            }
            #expect(sizes == [65_536, 65_536, 65_536, 3_392])
            #expect(joined == data)
            var tail: [UInt8] = []
            for try await chunk in file.chunks(from: 199_990) { tail += chunk }
            #expect(tail == Array(data.suffix(10)))
            #expect(await FSTest.error { for try await _ in file.chunks(size: 0) {} } == .invalidArgument("chunk size 0 must be at least 1"))
            try await file.close()

            try await FileSystem.writeFile(at: path, bytes: [])
            let empty = try await File.open(path)
            var count = 0
            for try await _ in empty.chunks() { count += 1 }
            #expect(count == 0)
            try await empty.close()
        }
    }

    @Test(arguments: TestDrivers.choices)
    func closingOneCloneClosesThemAll(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let file = try await File.open(dir + "/shared", options: FSTest.readWriteCreate)
            let clone = file
            try await FSTest.write(clone, [42], at: 0)
            #expect(try await FSTest.read(file, 1, at: 0) == [42], "clones share the descriptor")
            #expect(clone.descriptor === file.descriptor)
            try await clone.close()
            #expect(await file.read(OwnedBuffer(capacity: 1), at: 0).result.error == .closed)
            #expect(!OpenDescriptors.isOpen(file.descriptor.raw))
        }
    }

    @Test func outsideARuntimeIsNoRuntime() async throws {
        #expect(await FSTest.error { _ = try await File.open("/") } == .noRuntime)
        #expect(await FSTest.error { _ = try await FileSystem.metadata(at: "/") } == .noRuntime)
    }
}

