import Glibc
import Testing
@testable import Compio

/// Signal streams: real signals, delivered through a handler and a pipe read
/// with ops on the runtime.
/// Serialized: signals are process-wide, so a parallel test's signal would reach these streams.
@Suite(.serialized) struct SignalTests {
    @Test(arguments: TestDrivers.choices)
    func aSignalFromAnotherThreadWakesAReaderOnTheRuntime(choice: DriverBuilder.Choice) async throws {
        let (runtimeThread, readOn, signo) = try await RuntimeHarness.run(choice) { runtime in
            let stream = try Signal.stream(SIGUSR1)
            let reader = runtime.spawn { () throws -> (Int32, Int32) in
                (RuntimeHarness.threadID, try await stream.next())
            }
            // The reader's op is in the driver before the signal comes.
            await runtime.yield()
            let foreign = try WorkerThread { _ = kill(getpid(), SIGUSR1) }
            let (readOn, signo) = try await reader.value
            foreign.join()
            return (RuntimeHarness.threadID, readOn, signo)
        }
        #expect(readOn == runtimeThread)
        #expect(signo == SIGUSR1)
    }

    @Test(arguments: TestDrivers.choices)
    func twoSignalsAreTwoDeliveries(choice: DriverBuilder.Choice) async throws {
        let received = try await RuntimeHarness.run(choice) { runtime in
            let stream = try Signal.stream(SIGUSR1)
            unblockInThisThread(SIGUSR1)
            // raise runs the handler before it returns: both bytes are in the pipe.
            _ = raise(SIGUSR1)
            _ = raise(SIGUSR1)
            var received: [Int32] = []
            for try await signo in stream {
                received.append(signo)
                if received.count == 2 { break }
            }
            // Nothing more is queued: a third read must wait, so bound it.
            let third = try? await runtime.timeout(after: .milliseconds(50)) { try await stream.next() }
            #expect(third == nil)
            return received
        }
        #expect(received == [SIGUSR1, SIGUSR1])
    }

    @Test(arguments: TestDrivers.choices)
    func streamsLeakNoDescriptorAndRestoreThePreviousAction(choice: DriverBuilder.Choice) async throws {
        let actionBefore = currentHandler(SIGUSR2)
        let before = OpenDescriptors.count()
        let signo = try await RuntimeHarness.run(choice) { runtime in
            let first = try Signal.stream(SIGUSR2)
            let second = try Signal.stream(SIGUSR2)
            unblockInThisThread(SIGUSR2)
            _ = raise(SIGUSR2)
            // Every stream of a signal gets each delivery.
            let a = try await first.next()
            let b = try await second.next()
            return a == b ? a : -1
        }
        #expect(signo == SIGUSR2)
        #expect(OpenDescriptors.count() == before)
        #expect(currentHandler(SIGUSR2) == actionBefore)
    }

    @Test(arguments: TestDrivers.choices)
    func ctrlCReturnsOnSigintAndRestoresTheDefault(choice: DriverBuilder.Choice) async throws {
        let defaultAction = currentHandler(SIGINT)
        let (handled, restored) = try await RuntimeHarness.run(choice) { runtime in
            unblockInThisThread(SIGINT)
            let waiter = runtime.spawn { () throws -> Bool in
                try await Signal.ctrlC()
                return true
            }
            // The waiter has installed its handler once it is parked in its read.
            let installed = await runtime.waitUntil { currentHandler(SIGINT) != defaultAction }
            // Raise only with the handler in place: the default would end the test process.
            guard installed else {
                waiter.cancel()
                return (false, false)
            }
            _ = raise(SIGINT)
            let handled = try await waiter.value
            return (handled, currentHandler(SIGINT) == defaultAction)
        }
        #expect(handled)
        #expect(restored)
    }

    @Test func uncatchableSignalsAreRejected() {
        for signo in [SIGKILL, SIGSTOP, 0, -1, 65] {
            #expect(throws: IOError.self) { _ = try Signal.stream(signo) }
        }
    }

    /// The harness's thread inherits the signal mask of the dispatch thread
    /// that made it, which blocks every signal; `raise` targets the calling
    /// thread, so it must not block the signal. The thread ends with the test.
    private func unblockInThisThread(_ signo: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signo)
        _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private func currentHandler(_ signo: Int32) -> UInt {
        var action = sigaction()
        _ = sigaction(signo, nil, &action)
        return unsafeBitCast(action.__sigaction_handler.sa_handler, to: UInt.self)
    }
}
