import SystemPackage

extension DriverBuilder {
    /// Builds the chosen driver.
    ///
    /// With ``Choice/auto`` it builds io_uring when the kernel allows it and
    /// falls back to epoll otherwise. A forced choice that cannot be built is an
    /// error, never a silent fallback.
    public func build() throws(IOError) -> any Driver {
        switch choice {
        case .ioUring:
            return try IoUringDriver(builder: self)
        case .epoll:
            return try EpollDriver(builder: self)
        case .auto:
            do {
                return try IoUringDriver(builder: self)
            } catch {
                return try EpollDriver(builder: self)
            }
        }
    }
}
