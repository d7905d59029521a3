extension Runtime {
    /// Closes descriptors the way this runtime's driver does (kernel or simulated world).
    public var descriptorCloser: any DescriptorCloser { driver.descriptorCloser }
}
