/// Settings for a ``Runtime``: its driver, and how many ops it keeps in flight.
public struct RuntimeBuilder: Sendable {
    /// The driver to build (kind, capacity, thread pool, io_uring flags).
    public var driver: DriverBuilder
    /// Most ops the runtime keeps in the driver at once; further ops wait in the
    /// runtime, in order. `nil`: the driver's capacity.
    public var maxInFlight: Int?

    /// Default settings; the driver kind comes from `COMPIO_DRIVER` if set.
    public init() {
        driver = DriverBuilder()
    }

    /// A runtime on the driver `driver` describes.
    public init(driver: DriverBuilder) {
        self.driver = driver
    }

    /// A runtime on the given driver kind, other settings default.
    public init(choice: DriverBuilder.Choice) {
        driver = DriverBuilder(choice: choice)
    }

    /// Builds the runtime and its driver on the calling thread, which becomes
    /// the runtime's thread.
    public func build() throws(IOError) -> Runtime {
        try Runtime(builder: self)
    }
}
