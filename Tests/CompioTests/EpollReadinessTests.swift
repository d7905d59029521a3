import CLinux
import Glibc
import Testing
@testable import Compio

/// The epoll driver's readiness paths, on the real kernel. Driver-specific:
/// io_uring has no queues, budgets or registrations to look at.
@Suite(.serialized) struct EpollReadinessTests {
    /// A connected pair of non-blocking Unix stream sockets, closed on deinit.
    final class Pair {
        let a: Int32
        let b: Int32
        init(type: Int32 = CLINUX_SOCK_STREAM) throws {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, type | Int32(CLINUX_SOCK_NONBLOCK | CLINUX_SOCK_CLOEXEC), 0, &fds) == 0 else {
                throw IOError.code(errno)
            }
            a = fds[0]
            b = fds[1]
        }
        func closeB() { _ = Glibc.close(b) }
        deinit {
            _ = Glibc.close(a)
            _ = Glibc.close(b)
        }
    }

    func makeDriver() throws -> EpollDriver {
        try EpollDriver(builder: DriverBuilder(choice: .epoll))
    }

    func write(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads everything `fd` has now (non-blocking), returning the byte count.
    func drain(_ fd: Int32) -> Int {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return total }
            total += n
        }
    }

    func pendingKey(_ result: PushResult) -> OpKey? {
        if case .pending(let key) = result { key } else { nil }
    }

    /// A pipe, `[read, write]`, close-on-exec.
    func makePipe(nonBlocking: Bool) throws -> [Int32] {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) == 0 else { throw IOError.code(errno) }
        return fds
    }

    /// Sends 64 KiB chunks on `fd` (with a small send buffer) until one has to
    /// wait. Returns the bytes the ready sends reported and the waiting send's key.
    func fillUntilSendWaits(_ driver: EpollDriver, _ fd: Int32) throws -> (sent: Int, waiting: OpKey) {
        var size: Int32 = 4096
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let chunk = IOBuffer(bytes: [UInt8](repeating: 7, count: 65536))
        var sent = 0
        for _ in 0..<1000 {
            switch driver.push(.send(fd: fd, buffer: OpBuffer(chunk), flags: 0)) {
            case .ready(let c): sent += try c.result.get()
            case .pending(let key): return (sent, key)
            }
        }
        throw HarnessError.missing(expected: 1, got: 0)
    }

    @Test func eventConstantsMatchTheKernel() {
        #expect(EpollEvents.input == EPOLLIN.rawValue)
        #expect(EpollEvents.output == EPOLLOUT.rawValue)
        #expect(EpollEvents.priority == EPOLLPRI.rawValue)
        #expect(EpollEvents.error == EPOLLERR.rawValue)
        #expect(EpollEvents.hangUp == EPOLLHUP.rawValue)
        #expect(EpollEvents.readHangUp == EPOLLRDHUP.rawValue)
        #expect(EpollEvents.input == UInt32(POLLIN) && EpollEvents.output == UInt32(POLLOUT))
    }

    @Test func recvThatMustWait() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let buffer = IOBuffer(capacity: 16)
        let key = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))))
        #expect(driver.waitingCount(pair.a, .read) == 1)
        #expect(driver.armedCount == 1)

        let quiet = try driver.poll(timeout: .milliseconds(20)) { _ in }
        #expect(quiet == 0, "nothing to read yet")

        #expect(write(pair.b, [1, 2, 3]) == 3)
        let completion = try driver.wait(for: key)
        #expect(completion.result == .success(3))
        #expect(Array(UnsafeRawBufferPointer(start: buffer.base, count: 3)) == [1, 2, 3])
        #expect(driver.waitingCount(pair.a, .read) == 0)
        #expect(driver.armedCount == 0, "a one-shot report disarms; nothing is armed once the queue drains")
        #expect(driver.inFlight == 0)
    }

    @Test func recvWithDataCompletesEagerly() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        #expect(write(pair.b, [9]) == 1)
        let buffer = IOBuffer(capacity: 4)
        guard case .ready(let c) = driver.pushEagerly(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0), { _ in }) else {
            Issue.record("a recv with data waiting should complete in an eager push")
            return
        }
        #expect(c.result == .success(1))
        #expect(driver.armedCount == 0)
        #expect(driver.controlCounts == .init(), "no registration for a receive that did not wait")
    }

    /// A receive pushed the ordinary way is one the runtime expects to wait:
    /// it arms epoll before it first tries (no `EAGAIN` attempt), and data that
    /// was there already is reported by the next poll.
    @Test func anOrdinaryRecvWaitsForReadinessFirst() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        #expect(write(pair.b, [4, 2]) == 2)
        let buffer = IOBuffer(capacity: 4)
        let key = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))))
        #expect(driver.waitingCount(pair.a, .read) == 1)
        let completion = try driver.wait(for: key)
        #expect(completion.result == .success(2))
        #expect(Array(UnsafeRawBufferPointer(start: buffer.base, count: 2)) == [4, 2])

        // A send is still tried at once.
        let out = IOBuffer(bytes: [1])
        guard case .ready(let sent) = driver.push(.send(fd: pair.a, buffer: OpBuffer(out), flags: 0)) else {
            Issue.record("a send with room should complete in push")
            return
        }
        #expect(sent.result == .success(1))
    }

    /// A descriptor joins the epoll set on its first wait and stays: each later
    /// wait costs one `MOD`, none an `ADD` and `DEL` (two syscalls per echo
    /// round trip before). Closing it through the driver takes it out.
    @Test func aDescriptorStaysRegisteredAcrossWaits() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let buffer = IOBuffer(capacity: 8)
        for round in 0..<10 {
            let key = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))))
            #expect(write(pair.b, [UInt8(round)]) == 1)
            #expect(try driver.wait(for: key).result == .success(1))
            #expect(driver.armedCount == 0, "the report disarmed it")
            #expect(driver.registeredCount == 1, "still in the set")
        }
        #expect(driver.controlCounts == .init(add: 1, modify: 9, delete: 0))

        // A second descriptor for the same socket, registered, then closed
        // through the driver: it leaves the set, the first stays.
        let copy = dup(pair.a)
        #expect(copy >= 0)
        let viaCopy = try #require(pendingKey(driver.push(.recv(fd: copy, buffer: OpBuffer(buffer), flags: 0))))
        #expect(write(pair.b, [9]) == 1)
        #expect(try driver.wait(for: viaCopy).result == .success(1))
        #expect(driver.registeredCount == 2)
        let close = try #require(pendingKey(driver.push(.close(fd: copy))))
        #expect(try driver.wait(for: close).result == .success(0))
        #expect(driver.registeredCount == 1, "closing through the driver takes the descriptor out of the set")
        #expect(driver.controlCounts == .init(add: 2, modify: 9, delete: 1))
    }

    /// A bad number gets `EBADF` at once, and a huge one does not make the
    /// descriptor-indexed table grow to it.
    @Test func badNumbersFailWithoutGrowingTheTable() throws {
        let driver = try makeDriver()
        let buffer = IOBuffer(capacity: 4)
        let before = driver.descriptorTableSize
        for fd: Int32 in [-1, 1_000_000] {
            let ops: [Op] = [
                .recv(fd: fd, buffer: OpBuffer(buffer), flags: 0),
                .send(fd: fd, buffer: OpBuffer(buffer), flags: 0),
                .pollOnce(fd: fd, events: UInt32(POLLIN)),
                .connect(fd: fd, address: SocketAddressBuffer()),
            ]
            for op in ops {
                #expect(try driver.run(op).error == .errno(.badFileDescriptor), "\(op.name) on \(fd)")
            }
        }
        #expect(driver.descriptorTableSize == before)
        #expect(driver.inFlight == 0)
    }

    /// A descriptor closed behind the driver's back leaves its number in the
    /// driver's records; when the number comes back naming another socket, the
    /// re-arming `MOD` finds nothing (`ENOENT`) and becomes an `ADD`, so a
    /// receive on the new socket still completes.
    @Test func aNumberReusedAfterAForeignCloseIsRegisteredAgain() throws {
        let driver = try makeDriver()
        let first = try Pair()
        let buffer = IOBuffer(capacity: 8)
        let key = try #require(pendingKey(driver.push(.recv(fd: first.a, buffer: OpBuffer(buffer), flags: 0))))
        #expect(write(first.b, [1]) == 1)
        #expect(try driver.wait(for: key).result == .success(1))
        #expect(driver.registeredCount == 1)

        // Close `first.a` outside the driver and take its number for a new socket.
        let number = first.a
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, CLINUX_SOCK_STREAM | Int32(CLINUX_SOCK_NONBLOCK | CLINUX_SOCK_CLOEXEC), 0, &fds) == 0)
        defer {
            _ = Glibc.close(fds[0])
            _ = Glibc.close(fds[1])
        }
        #expect(dup2(fds[0], number) == number, "dup2 closes the old file and reuses its number")
        let before = driver.controlCounts

        let again = try #require(pendingKey(driver.push(.recv(fd: number, buffer: OpBuffer(buffer), flags: 0))))
        #expect(write(fds[1], [7, 7]) == 2)
        #expect(try driver.wait(for: again, limit: 5).result == .success(2))
        #expect(driver.controlCounts.modify == before.modify + 1 && driver.controlCounts.add == before.add + 1)
    }

    @Test func sendThatFillsTheBufferWaitsForThePeer() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        var (sent, key) = try fillUntilSendWaits(driver, pair.a)
        #expect(driver.waitingCount(pair.a, .write) == 1)
        #expect(try driver.poll(timeout: .milliseconds(20)) { _ in } == 0, "no room until the peer reads")

        var received = 0
        var completion: Completion?
        for _ in 0..<200 where completion == nil {
            received += drain(pair.b)
            try driver.poll(timeout: .milliseconds(10)) { c in
                if c.key == key { completion = c }
            }
        }
        let done = try #require(completion)
        let last = try done.result.get()
        #expect(last > 0)
        sent += last
        received += drain(pair.b)
        #expect(received == sent, "every byte the sends reported arrived")
        #expect(driver.armedCount == 0)
    }

    @Test func manyDescriptorsWithInterestChanging() throws {
        let driver = try makeDriver()
        let before = OpenDescriptors.count()
        var pairs: [Pair] = []
        for _ in 0..<200 { pairs.append(try Pair()) }
        var reads: [OpKey: Int] = [:]
        for (i, pair) in pairs.enumerated() {
            let buffer = IOBuffer(capacity: 8)
            let key = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))))
            reads[key] = i
        }
        #expect(driver.armedCount == 200)

        // Odd descriptors also wait for writability (interest goes IN → IN|OUT → IN).
        var polls: [OpKey: Int] = [:]
        for (i, pair) in pairs.enumerated() where i % 2 == 1 {
            polls[try #require(pendingKey(driver.push(.pollOnce(fd: pair.a, events: UInt32(POLLOUT)))))] = i
        }
        let writable = try driver.collect(polls.count)
        #expect(Set(writable.map(\.key)) == Set(polls.keys))
        #expect(writable.allSatisfy { (try? $0.result.get()).map { $0 & Int(POLLOUT) != 0 } == true })
        #expect(driver.armedCount == 200, "the reads still wait")

        // Data on even descriptors: their interest goes away, odd ones stay.
        for (i, pair) in pairs.enumerated() where i % 2 == 0 { #expect(write(pair.b, [UInt8(i % 256)]) == 1) }
        let evens = try driver.collect(100)
        #expect(evens.allSatisfy { reads[$0.key]! % 2 == 0 && $0.result == .success(1) })
        #expect(driver.armedCount == 100)

        for (i, pair) in pairs.enumerated() where i % 2 == 1 { #expect(write(pair.b, [1, 2]) == 2) }
        let odds = try driver.collect(100)
        #expect(odds.allSatisfy { reads[$0.key]! % 2 == 1 && $0.result == .success(2) })
        #expect(driver.armedCount == 0)
        #expect(driver.inFlight == 0)
        pairs.removeAll()
        #expect(OpenDescriptors.count() == before)
    }

    @Test func cancelOfAQueuedOpCompletesFromTheNextPoll() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let liveBefore = IOBuffer.live
        let buffer = IOBuffer(capacity: 8)
        let key = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))))
        driver.cancel(key)
        #expect(driver.inFlight == 1, "cancel only asks; the completion comes from poll")
        #expect(driver.armedCount == 0, "the cancelled op no longer waits")
        driver.cancel(key)  // a second cancel is ignored

        let completion = try driver.wait(for: key)
        #expect(completion.error == .errno(.canceled))
        #expect(driver.inFlight == 0)
        driver.cancel(key)  // a stale key is ignored

        // The cancelled recv took nothing: the next one gets the data.
        #expect(write(pair.b, [5]) == 1)
        let next = try driver.run(.recv(fd: pair.a, buffer: OpBuffer(buffer), flags: 0))
        #expect(next.result == .success(1))
        #expect(IOBuffer.live == liveBefore + 1, "only the test's own buffer is alive")
    }

    @Test func cancelTheMiddleOfAQueueKeepsTheOrder() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let buffers = (0..<3).map { _ in IOBuffer(capacity: 1) }
        let keys = try buffers.map { try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer($0), flags: 0)))) }
        driver.cancel(keys[1])
        #expect(write(pair.b, [10, 20]) == 2)
        let all = try driver.collect(3)
        #expect(all.first { $0.key == keys[1] }?.error == .errno(.canceled))
        #expect(all.first { $0.key == keys[0] }?.result == .success(1))
        #expect(all.first { $0.key == keys[2] }?.result == .success(1))
        #expect(buffers[0].base.load(as: UInt8.self) == 10, "the first in line reads first")
        #expect(buffers[2].base.load(as: UInt8.self) == 20)
    }

    @Test func peerClosingWakesQueuedReadsAndWrites() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let (_, send) = try fillUntilSendWaits(driver, pair.a)
        let recv = try #require(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0))))
        #expect(driver.waitingCount(pair.a, .read) == 1 && driver.waitingCount(pair.a, .write) == 1)

        pair.closeB()
        let both = try driver.collect(2)
        let recvResult = try #require(both.first { $0.key == recv }).result
        let sendResult = try #require(both.first { $0.key == send }).result
        #expect(recvResult == .success(0) || recvResult == .failure(.errno(.connectionReset)), "EOF or reset, got \(recvResult)")
        #expect(
            sendResult == .failure(.errno(.brokenPipe)) || sendResult == .failure(.errno(.connectionReset)),
            "EPIPE or reset, got \(sendResult)")
        #expect(driver.armedCount == 0)
    }

    @Test func oneBusyDescriptorCannotStarveAnother() throws {
        let driver = try makeDriver()
        let busy = try Pair()
        let other = try Pair()
        let budget = EpollDriver.budgetPerDescriptor
        let count = budget * 3
        // Eager attempts: data is there, but only `budget` complete in push.
        #expect(write(busy.b, [UInt8](repeating: 3, count: count)) == count)
        var eager = 0
        var waiting: Set<OpKey> = []
        for _ in 0..<count {
            switch driver.pushEagerly(.recv(fd: busy.a, buffer: OpBuffer(IOBuffer(capacity: 1)), flags: 0), { _ in }) {
            case .ready(let c):
                #expect(c.result == .success(1))
                eager += 1
            case .pending(let key):
                waiting.insert(key)
            }
        }
        #expect(eager == budget, "one turn gives a descriptor \(budget) attempts")
        #expect(waiting.count == count - budget)

        let otherKey = try #require(pendingKey(driver.push(.recv(fd: other.a, buffer: OpBuffer(IOBuffer(capacity: 1)), flags: 0))))
        #expect(write(other.b, [4]) == 1)

        var firstTurn: [OpKey] = []
        try driver.poll(timeout: .seconds(1)) { firstTurn.append($0.key) }
        #expect(firstTurn.contains(otherKey), "the other descriptor completes in the same turn")
        #expect(firstTurn.filter { waiting.contains($0) }.count == budget, "the busy one does at most its budget")

        let rest = try driver.collect(count - 2 * budget)
        #expect(Set(rest.map(\.key)).isSubset(of: waiting))
        #expect(rest.allSatisfy { $0.result == .success(1) })
        #expect(driver.inFlight == 0)
    }

    @Test func onePollHandsOutABoundedBatch() throws {
        let driver = try makeDriver()
        let total = EpollDriver.completionsPerPoll + 10
        for _ in 0..<total { #expect(pendingKey(driver.push(.nop)) != nil) }
        let first = try driver.poll(timeout: .seconds(1)) { _ in }
        let second = try driver.poll(timeout: .seconds(1)) { _ in }
        #expect(first == EpollDriver.completionsPerPoll)
        #expect(second == 10)
    }

    @Test func pollOnceWaitsForReadiness() throws {
        let driver = try makeDriver()
        let pair = try Pair()
        let key = try #require(pendingKey(driver.push(.pollOnce(fd: pair.a, events: UInt32(POLLIN)))))
        #expect(try driver.poll(timeout: .milliseconds(20)) { _ in } == 0)
        #expect(write(pair.b, [1]) == 1)
        let c = try driver.wait(for: key)
        let events = try c.result.get()
        #expect(events & Int(POLLIN) != 0)
        #expect(events & Int(POLLOUT) == 0, "only what was asked for (plus hang-up and error)")
        #expect(drain(pair.a) == 1, "pollOnce consumed nothing")
    }

    @Test func pollOnceOnARegularFileIsReadyAtOnce() throws {
        let driver = try makeDriver()
        var template = Array("/tmp/compio-epoll-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        #expect(fd >= 0)
        defer {
            _ = Glibc.close(fd)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
        let c = try driver.run(.pollOnce(fd: fd, events: UInt32(POLLIN | POLLOUT)))
        #expect(c.result == .success(Int(POLLIN | POLLOUT)), "epoll refuses regular files (EPERM); they are always ready")
        #expect(driver.armedCount == 0)
    }

    @Test func blockingPipeReadsWaitWithGuardedAttempts() throws {
        let driver = try makeDriver()
        let fds = try makePipe(nonBlocking: false)
        defer { fds.forEach { _ = Glibc.close($0) } }
        let buffers = (0..<3).map { _ in IOBuffer(capacity: 1) }
        let keys = try buffers.map { try #require(pendingKey(driver.push(.read(fd: fds[0], buffer: OpBuffer($0))))) }
        #expect(driver.waitingCount(fds[0], .read) == 3, "a blocking pipe is polled, not tried blindly")
        // One byte for three reads: a blind retry of the second would block the loop forever.
        #expect(write(fds[1], [8]) == 1)
        let first = try driver.wait(for: keys[0])
        #expect(first.result == .success(1))
        #expect(try driver.poll(timeout: .milliseconds(20)) { _ in } == 0)
        #expect(driver.waitingCount(fds[0], .read) == 2)
        #expect(write(fds[1], [1, 2]) == 2)
        let rest = try driver.collect(2)
        #expect(Set(rest.map(\.key)) == Set(keys[1...]))
    }

    @Test func blockingPipeWriteRunsOnThePool() throws {
        let driver = try makeDriver()
        let fds = try makePipe(nonBlocking: false)
        defer { fds.forEach { _ = Glibc.close($0) } }
        let key = try #require(pendingKey(driver.push(.write(fd: fds[1], buffer: OpBuffer(IOBuffer(bytes: [1, 2, 3]))))))
        #expect(driver.armedCount == 0, "writable promises room for some bytes, a blocking write wants room for all")
        #expect(try driver.wait(for: key).result == .success(3))
    }

    @Test func nonBlockingPipeReadWaitsForReadiness() throws {
        let driver = try makeDriver()
        var fds = try makePipe(nonBlocking: true)
        defer { fds.forEach { _ = Glibc.close($0) } }
        let key = try #require(pendingKey(driver.push(.read(fd: fds[0], buffer: OpBuffer(IOBuffer(capacity: 4))))))
        #expect(driver.waitingCount(fds[0], .read) == 1)
        _ = Glibc.close(fds[1])
        fds[1] = -1
        let c = try driver.wait(for: key)
        #expect(c.result == .success(0), "the writer's close wakes the read with EOF")
    }

    @Test func closeThroughTheDriverCompletesWaitingOps() throws {
        let driver = try makeDriver()
        var fds: [Int32] = [-1, -1]
        let paired = socketpair(AF_UNIX, Int32(CLINUX_SOCK_STREAM | CLINUX_SOCK_NONBLOCK), 0, &fds)
        #expect(paired == 0)
        defer { _ = Glibc.close(fds[1]) }
        let recv = try #require(pendingKey(driver.push(.recv(fd: fds[0], buffer: OpBuffer(IOBuffer(capacity: 4)), flags: 0))))
        let close = try #require(pendingKey(driver.push(.close(fd: fds[0]))))
        let both = try driver.collect(2)
        #expect(both.first { $0.key == recv }?.error == .closed)
        #expect(both.first { $0.key == close }?.result == .success(0))
        #expect(driver.armedCount == 0)
        #expect(!OpenDescriptors.isOpen(fds[0]))
    }

    @Test func shutdownDropsQueuedOpsAndRefusesNewOnes() throws {
        let liveBefore = IOBuffer.live
        let fdsBefore = OpenDescriptors.count()
        do {
            let driver = try makeDriver()
            let pair = try Pair()
            #expect(pendingKey(driver.push(.recv(fd: pair.a, buffer: OpBuffer(IOBuffer(capacity: 8)), flags: 0))) != nil)
            #expect(pendingKey(driver.push(.asyncify(BlockingWork { .success(1) }))) != nil)
            driver.shutdown()
            driver.shutdown()
            guard case .ready(let c) = driver.push(.nop) else {
                Issue.record("a push after shutdown must complete at once")
                return
            }
            #expect(c.error == .shutdown)
            #expect(try driver.poll(timeout: .zero) { _ in } == 0)
        }
        #expect(IOBuffer.live == liveBefore, "queued ops' buffers were released")
        #expect(OpenDescriptors.count() == fdsBefore, "epoll fd, eventfd and sockets closed")
    }

    @Test func notifyWakesABlockedPoll() throws {
        let driver = try makeDriver()
        let notifier = driver.notifier
        let start = MonotonicClock.now()
        let thread = WakerThread { usleep(50_000); notifier.notify() }
        let n = try driver.poll(timeout: .seconds(10)) { _ in }
        thread.join()
        #expect(n == 0)
        #expect(start.duration(to: MonotonicClock.now()) < .seconds(5), "the notification ended the wait")
        // A notification while awake costs no syscall and makes the next poll return at once.
        notifier.notify()
        let again = MonotonicClock.now()
        _ = try driver.poll(timeout: .seconds(10)) { _ in }
        #expect(again.duration(to: MonotonicClock.now()) < .seconds(5))
    }

    @Test func shortTimeoutsWaitRatherThanSpin() throws {
        let driver = try makeDriver()
        let start = MonotonicClock.now()
        for _ in 0..<5 { _ = try driver.poll(timeout: .microseconds(1)) { _ in } }
        // Each 1 µs timeout rounds up to a 1 ms epoll_wait; the kernel may end
        // those slightly early, but a spin would take microseconds in all.
        #expect(start.duration(to: MonotonicClock.now()) >= .milliseconds(2), "1 µs rounds up to 1 ms, not 0")
    }
}

/// A pthread running a closure, joinable; tests only.
private final class WakerThread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let me = Unmanaged<WakerThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, context)
    }

    func join() { pthread_join(handle, nil) }
}
