import Glibc
import SystemPackage

/// How ``File/open(_:options:)-(FilePath,_)`` opens a file: the access mode,
/// the open flags and the permissions of a file it creates, in swift-system's
/// own types and names.
///
/// ```swift
/// let log = try await File.open("app.log", options: OpenOptions(access: .writeOnly, options: [.create, .append]))
/// ```
///
/// Close-on-exec is always on, whether or not `options` contains
/// `.closeOnExec`: a descriptor of the runtime must never leak into a child
/// process.
public struct OpenOptions: Sendable, Hashable {
    /// swift-system's access mode: `.readOnly`, `.writeOnly` or `.readWrite`.
    public typealias AccessMode = FileDescriptor.AccessMode
    /// swift-system's open flags: `.create`, `.truncate`, `.exclusiveCreate`,
    /// `.append`, `.noFollow`, `.closeOnExec`, …
    public typealias Flags = FileDescriptor.OpenOptions

    /// Whether the file is opened for reading, writing or both.
    public var access: AccessMode
    /// Extra open flags.
    public var options: Flags
    /// Permissions of a file that `.create` creates (the process's umask still
    /// applies); ignored otherwise.
    public var permissions: FilePermissions

    /// Options with the given parts; by default read-only, no flags, and
    /// `rw-rw-rw-` (before the umask) for a created file.
    public init(
        access: AccessMode = .readOnly,
        options: Flags = [],
        permissions: FilePermissions = [.ownerReadWrite, .groupReadWrite, .otherReadWrite]
    ) {
        self.access = access
        self.options = options
        self.permissions = permissions
    }

    /// Read-only, no flags: what ``File/open(_:options:)-(FilePath,_)`` uses by default.
    public static var readOnly: OpenOptions { OpenOptions() }

    /// Write-only, creating the file or truncating it to zero bytes: what
    /// ``File/create(_:)-(FilePath)`` uses.
    public static var createOrTruncate: OpenOptions {
        OpenOptions(access: .writeOnly, options: [.create, .truncate])
    }

    /// The `flags` argument of `openat(2)`.
    public var rawFlags: Int32 { access.rawValue | options.rawValue | O_CLOEXEC }

    /// The `mode` argument of `openat(2)`.
    public var rawMode: UInt32 { UInt32(permissions.rawValue) }
}
