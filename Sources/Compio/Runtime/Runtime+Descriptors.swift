extension Runtime {
    /// Closes descriptors the way this runtime's driver does (the kernel's
    /// `close(2)`, or the simulated world's).
    ///
    /// Hand it to ``SharedDescriptor/init(_:closer:)-(OwnedDescriptor,_)`` when
    /// wrapping a descriptor an op created: it is what closes the descriptor if
    /// the last reference goes away without an explicit `close()`. Safe to read
    /// from any thread; the closer is fixed for the driver's life.
    public var descriptorCloser: any DescriptorCloser { driver.descriptorCloser }
}
