import Compio
import Glibc

/// The simulated file system: one tree of ``SimInode``s under `/`, Linux path
/// rules (`.`, `..`, symlinks with `ELOOP` after 40 hops, `ENOTDIR`), and the
/// durability model: file data written since the last fsync is lost by
/// ``loseUnsyncedData()``. Directory entries are durable at once (a simplification).
final class SimFileSystem {
    let root: SimInode
    private var nextInode: UInt64 = 2
    /// Every regular file ever created, in creation order, for the crash hook.
    private var files: [SimInode] = []

    init() {
        root = SimInode(number: 1, kind: .directory, permissions: 0o755, time: 0)
        root.links = 2
    }

    private func makeInode(_ kind: SimInode.Kind, permissions: UInt32, time: Int64) -> SimInode {
        let inode = SimInode(number: nextInode, kind: kind, permissions: permissions, time: time)
        nextInode += 1
        if inode.isFile { files.append(inode) }
        return inode
    }

    /// Resolves `path` from `start` (ignored for absolute paths).
    func lookup(from start: SimInode, _ path: String, followLast: Bool) throws(IOError) -> SimInode {
        var hops = 0
        return try walk(from: start, path, followLast: followLast, hops: &hops)
    }

    private func walk(from start: SimInode, _ path: String, followLast: Bool, hops: inout Int) throws(IOError) -> SimInode {
        if path.isEmpty { throw .code(ENOENT) }
        var current = path.hasPrefix("/") ? root : start
        let parts = path.split(separator: "/").map(String.init)
        for (i, part) in parts.enumerated() {
            guard current.isDirectory else { throw .code(ENOTDIR) }
            if part == "." { continue }
            if part == ".." {
                current = current.parent ?? root
                continue
            }
            guard let next = current.entries[part] else { throw .code(ENOENT) }
            let isLast = i == parts.count - 1
            if case .symlink(let target) = next.kind, !isLast || followLast || path.hasSuffix("/") {
                hops += 1
                if hops > 40 { throw .code(ELOOP) }
                current = try walk(from: current, target, followLast: true, hops: &hops)
            } else {
                current = next
            }
        }
        if path.hasSuffix("/") && !current.isDirectory { throw .code(ENOTDIR) }
        return current
    }

    /// The directory that holds the last component of `path`, and that component.
    func parent(from start: SimInode, _ path: String) throws(IOError) -> (directory: SimInode, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { throw .code(ENOENT) }
        let name: String
        let prefix: String
        if let slash = trimmed.lastIndex(of: "/") {
            name = String(trimmed[trimmed.index(after: slash)...])
            let head = trimmed[..<slash]
            prefix = head.isEmpty ? "/" : String(head)
        } else {
            name = String(trimmed)
            prefix = "."
        }
        if name.isEmpty || name == "." || name == ".." { throw .code(EINVAL) }
        let directory = try lookup(from: start, prefix, followLast: true)
        guard directory.isDirectory else { throw .code(ENOTDIR) }
        return (directory, name)
    }

    /// `openat` path rules. Returns the inode and whether it was created.
    func open(from start: SimInode, _ path: String, flags: Int32, permissions: UInt32, time: Int64) throws(IOError) -> SimInode {
        let access = flags & O_ACCMODE
        let noFollow = flags & O_NOFOLLOW != 0
        var node: SimInode
        if flags & O_CREAT != 0 {
            let (directory, name) = try parent(from: start, path)
            if let existing = directory.entries[name] {
                if flags & O_EXCL != 0 { throw .code(EEXIST) }
                node = existing
                if case .symlink = existing.kind {
                    if noFollow { throw .code(ELOOP) }
                    node = try lookup(from: start, path, followLast: true)
                }
            } else {
                node = makeInode(.file, permissions: permissions, time: time)
                directory.entries[name] = node
                directory.modified = time
                directory.changed = time
            }
        } else {
            node = try lookup(from: start, path, followLast: !noFollow)
            if case .symlink = node.kind { throw .code(ELOOP) }
        }
        // Opening a Unix socket's path fails on Linux (no `open` for sockets).
        if case .socket = node.kind { throw .code(ENXIO) }
        if flags & O_DIRECTORY != 0 && !node.isDirectory { throw .code(ENOTDIR) }
        if node.isDirectory && access != O_RDONLY { throw .code(EISDIR) }
        if flags & O_TRUNC != 0 && node.isFile && access != O_RDONLY && !node.data.isEmpty {
            node.data.removeAll()
            node.modified = time
            node.changed = time
        }
        return node
    }

    func makeDirectory(from start: SimInode, _ path: String, permissions: UInt32, time: Int64) throws(IOError) {
        let (directory, name) = try parent(from: start, path)
        if directory.entries[name] != nil { throw .code(EEXIST) }
        let node = makeInode(.directory, permissions: permissions, time: time)
        node.parent = directory
        node.links = 2
        directory.entries[name] = node
        directory.links += 1
        directory.modified = time
        directory.changed = time
    }

    func unlink(from start: SimInode, _ path: String, removeDirectory: Bool, time: Int64) throws(IOError) {
        let (directory, name) = try parent(from: start, path)
        guard let node = directory.entries[name] else { throw .code(ENOENT) }
        if removeDirectory {
            guard node.isDirectory else { throw .code(ENOTDIR) }
            if !node.entries.isEmpty { throw .code(ENOTEMPTY) }
            directory.links -= 1
        } else if node.isDirectory {
            throw .code(EISDIR)
        }
        directory.entries[name] = nil
        directory.modified = time
        node.links -= 1
        node.changed = time
    }

    func rename(from start: SimInode, _ from: String, toStart: SimInode, _ to: String, time: Int64) throws(IOError) {
        let (sourceDirectory, sourceName) = try parent(from: start, from)
        let (targetDirectory, targetName) = try parent(from: toStart, to)
        guard let node = sourceDirectory.entries[sourceName] else { throw .code(ENOENT) }
        if node.isDirectory {
            var ancestor: SimInode? = targetDirectory
            while let a = ancestor {
                if a === node { throw .code(EINVAL) }
                ancestor = a.parent
            }
        }
        if let existing = targetDirectory.entries[targetName] {
            if existing === node { return }
            if node.isDirectory && !existing.isDirectory { throw .code(ENOTDIR) }
            if !node.isDirectory && existing.isDirectory { throw .code(EISDIR) }
            if existing.isDirectory && !existing.entries.isEmpty { throw .code(ENOTEMPTY) }
            existing.links -= 1
            if existing.isDirectory { targetDirectory.links -= 1 }
        }
        sourceDirectory.entries[sourceName] = nil
        targetDirectory.entries[targetName] = node
        if node.isDirectory {
            sourceDirectory.links -= 1
            targetDirectory.links += 1
            node.parent = targetDirectory
        }
        for d in [sourceDirectory, targetDirectory] {
            d.modified = time
            d.changed = time
        }
        node.changed = time
    }

    func link(from start: SimInode, _ from: String, toStart: SimInode, _ to: String, time: Int64) throws(IOError) {
        let node = try lookup(from: start, from, followLast: false)
        if node.isDirectory { throw .code(EPERM) }
        let (directory, name) = try parent(from: toStart, to)
        if directory.entries[name] != nil { throw .code(EEXIST) }
        directory.entries[name] = node
        node.links += 1
        node.changed = time
        directory.modified = time
    }

    /// Creates the socket inode a Unix `bind` makes at `path`; an existing
    /// entry (even a dangling symlink) is `EADDRINUSE`, as `unix_bind_bsd` reports.
    func makeSocket(from start: SimInode, _ path: String, permissions: UInt32, time: Int64) throws(IOError) -> SimInode {
        let (directory, name) = try parent(from: start, path)
        if directory.entries[name] != nil { throw .code(EADDRINUSE) }
        let node = makeInode(.socket, permissions: permissions, time: time)
        directory.entries[name] = node
        directory.modified = time
        directory.changed = time
        return node
    }

    func symlink(target: String, from start: SimInode, _ path: String, time: Int64) throws(IOError) {
        let (directory, name) = try parent(from: start, path)
        if directory.entries[name] != nil { throw .code(EEXIST) }
        directory.entries[name] = makeInode(.symlink(target), permissions: 0o777, time: time)
        directory.modified = time
    }

    /// The crash hook: every file's data goes back to what its last fsync made durable.
    func loseUnsyncedData() {
        for file in files { file.data = file.durable }
    }
}
