import CLinux
import Glibc
import Testing
@testable import Compio

/// When the runtime tries to complete a positioned read inline, the kernel
/// drivers read what the page cache holds on the calling thread (`preadv2`
/// with `RWF_NOWAIT`, ``PageCacheRead``) and run everything else their usual
/// way (epoll: the pool; io_uring: the ring).
@Suite struct PageCacheReadTests {
    /// A file of `bytes` (just written, so in the page cache), closed and removed on deinit.
    final class CachedFile {
        let dir: String
        let fd: Int32
        init(_ bytes: [UInt8]) throws {
            dir = try Fixture.temporaryDirectory()
            fd = open(dir + "/data", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw IOError.code(errno) }
            let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            guard written == bytes.count else { throw IOError.code(errno) }
        }
        deinit {
            _ = Glibc.close(fd)
            Fixture.remove(dir)
        }
    }

    private static let pattern = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    private func readAt(_ fd: Int32, _ buffer: IOBuffer, _ offset: Int64) -> Op {
        .readAt(fd: fd, buffer: OpBuffer(buffer), offset: offset)
    }

    private func runEagerly(_ driver: any Driver, _ op: Op) throws -> Completion {
        switch driver.pushEagerly(op, { _ in Issue.record("the driver handed out another op's completion") }) {
        case .ready(let c): return c
        case .pending(let key): return try driver.wait(for: key)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func aPositionedReadOfCachedDataCompletesAtPush(choice: DriverBuilder.Choice) throws {
        let file = try CachedFile(Self.pattern)
        let driver = try DriverBuilder(choice: choice).build()
        let buffer = IOBuffer(capacity: 4096)
        guard case .ready(let c) = driver.pushEagerly(readAt(file.fd, buffer, 1000), { _ in }) else {
            Issue.record("a read of cached data went to the pool")
            return
        }
        #expect(c.result == .success(4096))
        buffer.initialized = 4096
        #expect(buffer.bytes == Array(Self.pattern[1000..<5096]))
        #expect(driver.inFlight == 0)
        // A plain push (the runtime not trying inline) goes the usual way.
        let plain = driver.push(readAt(file.fd, IOBuffer(capacity: 16), 0))
        guard case .pending(let key) = plain else {
            Issue.record("a plain push of a read completed at once")
            return
        }
        #expect(try driver.wait(for: key).result == .success(16))
    }

    /// At or past the end a cached read is the end of file; a read running
    /// into the end (short) goes to the pool, which reads what there is.
    @Test(arguments: TestDrivers.choices)
    func endOfFileAndShortReadsKeepReadSemantics(choice: DriverBuilder.Choice) throws {
        let file = try CachedFile(Self.pattern)
        let driver = try DriverBuilder(choice: choice).build()
        let atEnd = try runEagerly(driver, readAt(file.fd, IOBuffer(capacity: 16), 8192))
        #expect(atEnd.result == .success(0))
        let short = IOBuffer(capacity: 4096)
        let tail = try runEagerly(driver, readAt(file.fd, short, 8000))
        #expect(tail.result == .success(192))
        short.initialized = 192
        #expect(short.bytes == Array(Self.pattern[8000...]))
    }

    /// Whether or not the kernel still has the pages after being told to drop
    /// them (tmpfs always keeps them), the read returns the file's bytes.
    @Test(arguments: TestDrivers.choices)
    func aReadOfPagesDroppedFromTheCacheStillReturnsTheData(choice: DriverBuilder.Choice) throws {
        let file = try CachedFile(Self.pattern)
        #expect(fsync(file.fd) == 0)
        #expect(posix_fadvise(file.fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
        let driver = try DriverBuilder(choice: choice).build()
        let buffer = IOBuffer(capacity: 8192)
        let c = try runEagerly(driver, readAt(file.fd, buffer, 0))
        #expect(c.result == .success(8192))
        buffer.initialized = 8192
        #expect(buffer.bytes == Self.pattern)
    }

    /// Errors are the read's own: a write-only descriptor is `EBADF`, as on the pool.
    @Test(arguments: TestDrivers.choices)
    func aReadOnAWriteOnlyDescriptorFailsWithEBADF(choice: DriverBuilder.Choice) throws {
        let file = try CachedFile(Self.pattern)
        let writeOnly = open(file.dir + "/data", O_WRONLY | O_CLOEXEC)
        #expect(writeOnly >= 0)
        defer { _ = Glibc.close(writeOnly) }
        let driver = try DriverBuilder(choice: choice).build()
        let c = try runEagerly(driver, readAt(writeOnly, IOBuffer(capacity: 16), 0))
        #expect(c.error == .errno(.badFileDescriptor))
    }
}
