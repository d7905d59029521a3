import Glibc
import Synchronization
import SystemPackage

/// Which driver a ``DriverBuilder`` built, and why.
///
/// ``DriverBuilder/buildWithSelection()`` returns one with each driver;
/// ``DriverBuilder/build()`` records the latest in ``last`` for code that only
/// holds the driver (a runtime reporting what it runs on).
public struct DriverSelection: Sendable, Hashable, CustomStringConvertible {
    /// What the builder was asked for.
    public let requested: DriverBuilder.Choice
    /// What it built.
    public let kind: DriverKind
    /// Why io_uring was not used when ``requested`` was ``DriverBuilder/Choice/auto``
    /// and the builder fell back to epoll; `nil` otherwise.
    public let fallbackReason: IOError?

    /// Whether ``DriverBuilder/Choice/auto`` fell back to epoll.
    public var fellBack: Bool { fallbackReason != nil }

    /// `io_uring`, `epoll (auto; io_uring unavailable: …)`, and so on.
    public var description: String {
        if let fallbackReason { return "\(kind) (\(requested); io_uring unavailable: \(fallbackReason))" }
        return "\(kind) (\(requested))"
    }

    /// The selection of the latest ``DriverBuilder/build()`` in this process, if any.
    public static var last: DriverSelection? { latest.withLock { $0 } }

    private static let latest = Mutex<DriverSelection?>(nil)
    private static let fallbackAnnounced = Atomic<Bool>(false)

    static func record(_ selection: DriverSelection) {
        latest.withLock { $0 = selection }
    }

    /// Says once per process, on stderr, that io_uring was unusable: a runtime
    /// that quietly runs on the slower driver is a surprise worth one line.
    static func announceFallback(_ reason: IOError) {
        guard !fallbackAnnounced.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let line = "compio: io_uring unavailable (\(reason)), using epoll\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

extension DriverBuilder {
    /// Builds the chosen driver.
    ///
    /// With ``Choice/auto`` it builds io_uring when the kernel allows it (the
    /// io_uring driver creates its ring and probes the opcodes it needs, and
    /// throws when either fails) and falls back to epoll otherwise, saying so
    /// once on stderr and in ``DriverSelection/last``. A forced ``Choice/ioUring``
    /// that cannot be built throws the io_uring driver's error (for example
    /// `.errno(.notPermitted)` under a seccomp profile), never a silent fallback.
    public func build() throws(IOError) -> any Driver {
        let (driver, selection) = try buildWithSelection()
        DriverSelection.record(selection)
        return driver
    }

    /// Builds the chosen driver, like ``build()``, and says which one it built and why.
    public func buildWithSelection() throws(IOError) -> (driver: any Driver, selection: DriverSelection) {
        switch choice {
        case .ioUring:
            // The io_uring driver's own error (`EPERM` from a seccomp profile,
            // `ENOSYS`, `unsupported` for a missing opcode), unchanged.
            let driver = try IoUringDriver(builder: self)
            return (driver, DriverSelection(requested: choice, kind: .ioUring, fallbackReason: nil))
        case .epoll:
            return (try EpollDriver(builder: self), DriverSelection(requested: choice, kind: .epoll, fallbackReason: nil))
        case .auto:
            let reason: IOError
            do {
                let driver = try IoUringDriver(builder: self)
                return (driver, DriverSelection(requested: choice, kind: .ioUring, fallbackReason: nil))
            } catch {
                reason = error
            }
            let driver = try EpollDriver(builder: self)
            DriverSelection.announceFallback(reason)
            return (driver, DriverSelection(requested: choice, kind: .epoll, fallbackReason: reason))
        }
    }
}
