import SystemPackage

extension FileMetadata {
    /// The permission bits as swift-system's `FilePermissions`.
    public var filePermissions: FilePermissions { FilePermissions(rawValue: CModeT(permissions)) }

    /// Last modification of the contents, since the Unix epoch.
    public var modificationTime: Duration { .nanoseconds(modified) }

    /// Last access, since the Unix epoch.
    public var accessTime: Duration { .nanoseconds(accessed) }

    /// Last status change, since the Unix epoch.
    public var statusChangeTime: Duration { .nanoseconds(changed) }
}
