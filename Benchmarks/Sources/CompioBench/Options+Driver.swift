import BenchSupport
import Compio

extension Options {
    /// The driver named by `--driver` (`io_uring` or `epoll`).
    var driver: DriverBuilder.Choice {
        let name = string("driver", "io_uring")
        guard let choice = DriverBuilder.Choice(rawValue: name) else {
            fatalError("compio-bench: unknown driver \(name) (io_uring, epoll)")
        }
        return choice
    }
}
