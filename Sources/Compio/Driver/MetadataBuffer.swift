import CLinux

/// Where a metadata op (`statx`) writes its answer, at a stable address.
public final class MetadataBuffer: @unchecked Sendable {
    /// The raw `statx` result.
    public let raw: UnsafeMutablePointer<statx>

    /// An empty buffer.
    public init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: statx())
    }

    deinit { raw.deallocate() }

    /// The metadata in Swift terms. Meaningful after the op succeeded.
    public var metadata: FileMetadata { FileMetadata(raw.pointee) }
}

/// File metadata, as `statx(2)` reports it.
public struct FileMetadata: Sendable, Hashable {
    /// Size in bytes.
    public var size: Int64
    /// File type and permission bits (`st_mode`).
    public var mode: UInt32
    /// Number of hard links.
    public var linkCount: UInt32
    /// Owner's user id.
    public var userID: UInt32
    /// Owner's group id.
    public var groupID: UInt32
    /// Inode number.
    public var inode: UInt64
    /// Preferred I/O block size.
    public var blockSize: UInt32
    /// Number of 512-byte blocks allocated.
    public var blocks: UInt64
    /// Last access, nanoseconds since the Unix epoch.
    public var accessed: Int64
    /// Last modification of the contents, nanoseconds since the Unix epoch.
    public var modified: Int64
    /// Last status change, nanoseconds since the Unix epoch.
    public var changed: Int64

    /// Reads the fields of a `statx` result.
    public init(_ s: statx) {
        size = Int64(bitPattern: s.stx_size)
        mode = UInt32(s.stx_mode)
        linkCount = s.stx_nlink
        userID = s.stx_uid
        groupID = s.stx_gid
        inode = s.stx_ino
        blockSize = s.stx_blksize
        blocks = s.stx_blocks
        func nanos(_ t: statx_timestamp) -> Int64 { t.tv_sec * 1_000_000_000 + Int64(t.tv_nsec) }
        accessed = nanos(s.stx_atime)
        modified = nanos(s.stx_mtime)
        changed = nanos(s.stx_ctime)
    }

    /// Builds metadata from its fields (the simulator's world uses this).
    public init(
        size: Int64, mode: UInt32, linkCount: UInt32 = 1, userID: UInt32 = 0, groupID: UInt32 = 0,
        inode: UInt64 = 0, blockSize: UInt32 = 4096, blocks: UInt64 = 0,
        accessed: Int64 = 0, modified: Int64 = 0, changed: Int64 = 0
    ) {
        self.size = size
        self.mode = mode
        self.linkCount = linkCount
        self.userID = userID
        self.groupID = groupID
        self.inode = inode
        self.blockSize = blockSize
        self.blocks = blocks
        self.accessed = accessed
        self.modified = modified
        self.changed = changed
    }

    /// The file type bits of `mode`.
    public var fileType: UInt32 { mode & UInt32(S_IFMT) }
    /// Whether this is a regular file.
    public var isFile: Bool { fileType == UInt32(S_IFREG) }
    /// Whether this is a directory.
    public var isDirectory: Bool { fileType == UInt32(S_IFDIR) }
    /// Whether this is a symbolic link.
    public var isSymlink: Bool { fileType == UInt32(S_IFLNK) }
    /// The permission bits of `mode`.
    public var permissions: UInt32 { mode & 0o7777 }
}
