import Compio
import Glibc

/// The drivers every kernel test runs on. `COMPIO_DRIVER` narrows it to one.
enum TestDrivers {
    /// Every driver choice implemented so far.
    static let implemented: [DriverBuilder.Choice] = [.ioUring, .epoll]

    /// The choices tests are parameterized over.
    static var choices: [DriverBuilder.Choice] {
        if let forced = DriverBuilder.environmentChoice, forced != .auto { return [forced] }
        return implemented
    }

    /// A driver of the given choice with test-friendly settings.
    static func make(_ choice: DriverBuilder.Choice, configure: (inout DriverBuilder) -> Void = { _ in }) throws -> any Driver {
        var builder = DriverBuilder(choice: choice)
        configure(&builder)
        return try builder.build()
    }
}
