import Compio
import Glibc

/// A file, directory, symbolic link or Unix socket of the simulated file system.
///
/// Lives as long as a directory entry or an open file refers to it, so an
/// unlinked file stays readable and writable through the descriptors that had
/// it open, as on Linux.
final class SimInode {
    enum Kind {
        case file
        case directory
        case symlink(String)
        /// What binding a Unix socket to a path creates; connecting finds the
        /// socket through it (``SimNetwork/unixBindings``), opening fails.
        case socket
    }

    let number: UInt64
    let kind: Kind
    // `@exclusivity(unchecked)`: the simulator is one-threaded and no access
    // overlaps another (see SimDriver), so the dynamic checks buy nothing.
    /// Current contents of a regular file.
    @exclusivity(unchecked) var data: [UInt8] = []
    /// Contents as of the last successful fsync; what survives a crash.
    @exclusivity(unchecked) var durable: [UInt8] = []
    /// Entries of a directory. Looked up by name only, never iterated, so hash
    /// order cannot leak into behaviour.
    var entries: [String: SimInode] = [:]
    /// Containing directory, for `..` (directories have exactly one).
    weak var parent: SimInode?
    var links: UInt32 = 1
    var permissions: UInt32
    @exclusivity(unchecked) var accessed: Int64
    @exclusivity(unchecked) var modified: Int64
    @exclusivity(unchecked) var changed: Int64

    init(number: UInt64, kind: Kind, permissions: UInt32, time: Int64) {
        self.number = number
        self.kind = kind
        self.permissions = permissions & 0o7777
        accessed = time
        modified = time
        changed = time
    }

    var isDirectory: Bool { if case .directory = kind { true } else { false } }
    var isFile: Bool { if case .file = kind { true } else { false } }

    /// `st_mode`: type bits and permissions.
    var mode: UInt32 {
        switch kind {
        case .file: UInt32(S_IFREG) | permissions
        case .directory: UInt32(S_IFDIR) | permissions
        case .symlink: UInt32(S_IFLNK) | 0o777
        case .socket: UInt32(S_IFSOCK) | permissions
        }
    }

    /// `st_size`.
    var size: Int64 {
        switch kind {
        case .file: Int64(data.count)
        case .directory: 4096
        case .symlink(let target): Int64(target.utf8.count)
        case .socket: 0
        }
    }
}
