import Glibc
import SystemPackage

/// File-system operations by path, as ops on the current ``Runtime``.
///
/// A namespace, so call sites read `FileSystem.removeFile(at: path)`. Every
/// function takes a swift-system `FilePath` and, for convenience, a `String`;
/// a `String` containing a NUL byte is refused with ``IOError/pathContainsNul``
/// (a `FilePath` cannot hold one). Relative paths are relative to the current
/// working directory. Errors are the kernel's (`ENOENT`, `EEXIST`, `ENOTEMPTY`,
/// …) as ``IOError/errno(_:)``, or ``IOError/noRuntime`` outside a runtime.
public enum FileSystem {
    /// The metadata of the file at `path` (`statx(2)`). With `followSymlinks`
    /// false, a symbolic link's own metadata.
    public static func metadata(at path: FilePath, followSymlinks: Bool = true) async throws(IOError) -> FileMetadata {
        let into = MetadataBuffer()
        try await perform(.metadataAt(directory: AT_FDCWD, path: OpPath(path), followSymlinks: followSymlinks, into: into))
        return into.metadata
    }

    /// Removes the file (or symbolic link) at `path`; directories are refused
    /// with `EISDIR`.
    public static func removeFile(at path: FilePath) async throws(IOError) {
        try await perform(.unlinkAt(directory: AT_FDCWD, path: OpPath(path), removeDirectory: false))
    }

    /// Removes the empty directory at `path` (`ENOTEMPTY` otherwise).
    public static func removeDirectory(at path: FilePath) async throws(IOError) {
        try await perform(.unlinkAt(directory: AT_FDCWD, path: OpPath(path), removeDirectory: true))
    }

    /// Creates a directory at `path`.
    ///
    /// With `recursive`, missing parents are created too, and a directory
    /// that already exists (the target or a parent) is not an error; a
    /// non-directory in the way still fails with `EEXIST` or `ENOTDIR`.
    /// `permissions` apply to every directory created (before the umask).
    public static func createDirectory(
        at path: FilePath,
        permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadWriteExecute, .otherReadWriteExecute],
        recursive: Bool = false
    ) async throws(IOError) {
        let mode = UInt32(permissions.rawValue)
        guard recursive else {
            try await perform(.makeDirectoryAt(directory: AT_FDCWD, path: OpPath(path), mode: mode))
            return
        }
        try await createDirectoryWithParents(path, mode: mode)
    }

    /// Renames `source` to `destination`, replacing a file already there (`renameat(2)`).
    public static func rename(from source: FilePath, to destination: FilePath) async throws(IOError) {
        try await perform(.renameAt(fromDirectory: AT_FDCWD, from: OpPath(source), toDirectory: AT_FDCWD, to: OpPath(destination)))
    }

    /// Creates a symbolic link at `link` whose content is `target`. The target
    /// need not exist; a relative target is resolved from the link's directory.
    public static func createSymlink(at link: FilePath, pointingTo target: FilePath) async throws(IOError) {
        try await perform(.symlinkAt(target: OpPath(target), directory: AT_FDCWD, link: OpPath(link)))
    }

    /// Creates a hard link at `link` to the existing file `existing`.
    public static func createHardLink(at link: FilePath, to existing: FilePath) async throws(IOError) {
        try await perform(.linkAt(fromDirectory: AT_FDCWD, from: OpPath(existing), toDirectory: AT_FDCWD, to: OpPath(link)))
    }

    /// The whole content of the file at `path`; fails with `EFBIG` if it holds
    /// more than `limit` bytes (see ``File/readToEnd(from:limit:)``).
    public static func readFile(at path: FilePath, limit: Int = File.defaultReadLimit) async throws(IOError) -> [UInt8] {
        let file = try await File.open(path)
        let content: Result<[UInt8], IOError>
        do throws(IOError) { content = .success(try await file.readToEnd(limit: limit)) } catch { content = .failure(error) }
        return try await close(file, after: content)
    }

    /// Replaces the content of the file at `path` with `bytes`, creating the
    /// file if needed. Not synced: call ``File/sync()`` on an open file for that.
    public static func writeFile(at path: FilePath, bytes: some Collection<UInt8>) async throws(IOError) {
        let buffer = OwnedBuffer(bytes)
        let file = try await File.create(path)
        try await close(file, after: await file.writeAll(buffer, at: 0).result)
    }

    // MARK: String paths

    /// ``metadata(at:followSymlinks:)-(FilePath,_)`` for a string path.
    public static func metadata(at path: String, followSymlinks: Bool = true) async throws(IOError) -> FileMetadata {
        try await metadata(at: filePath(path), followSymlinks: followSymlinks)
    }

    /// ``removeFile(at:)-(FilePath)`` for a string path.
    public static func removeFile(at path: String) async throws(IOError) {
        try await removeFile(at: filePath(path))
    }

    /// ``removeDirectory(at:)-(FilePath)`` for a string path.
    public static func removeDirectory(at path: String) async throws(IOError) {
        try await removeDirectory(at: filePath(path))
    }

    /// ``createDirectory(at:permissions:recursive:)-(FilePath,_,_)`` for a string path.
    public static func createDirectory(
        at path: String,
        permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadWriteExecute, .otherReadWriteExecute],
        recursive: Bool = false
    ) async throws(IOError) {
        try await createDirectory(at: filePath(path), permissions: permissions, recursive: recursive)
    }

    /// ``rename(from:to:)-(FilePath,FilePath)`` for string paths.
    public static func rename(from source: String, to destination: String) async throws(IOError) {
        try await rename(from: filePath(source), to: filePath(destination))
    }

    /// ``createSymlink(at:pointingTo:)-(FilePath,FilePath)`` for string paths.
    public static func createSymlink(at link: String, pointingTo target: String) async throws(IOError) {
        try await createSymlink(at: filePath(link), pointingTo: filePath(target))
    }

    /// ``createHardLink(at:to:)-(FilePath,FilePath)`` for string paths.
    public static func createHardLink(at link: String, to existing: String) async throws(IOError) {
        try await createHardLink(at: filePath(link), to: filePath(existing))
    }

    /// ``readFile(at:limit:)-(FilePath,_)`` for a string path.
    public static func readFile(at path: String, limit: Int = File.defaultReadLimit) async throws(IOError) -> [UInt8] {
        try await readFile(at: filePath(path), limit: limit)
    }

    /// ``writeFile(at:bytes:)-(FilePath,_)`` for a string path.
    public static func writeFile(at path: String, bytes: some Collection<UInt8>) async throws(IOError) {
        try await writeFile(at: filePath(path), bytes: bytes)
    }

    // MARK: Helpers

    /// `string` as a `FilePath`, refusing a NUL byte that `FilePath` would
    /// silently cut the path at.
    static func filePath(_ string: String) throws(IOError) -> FilePath {
        if string.utf8.contains(0) { throw .pathContainsNul }
        return FilePath(string)
    }

    /// Runs a path op on the current runtime.
    private static func perform(_ op: Op) async throws(IOError) {
        guard let runtime = Runtime.current else { throw .noRuntime }
        _ = try await runtime.submit(op).result.get()
    }

    /// Closes `file` whatever `result` is, then returns it; the result's
    /// error wins over the close's.
    private static func close<T>(_ file: File, after result: Result<T, IOError>) async throws(IOError) -> T {
        let closed: Result<Void, IOError>
        do throws(IOError) { try await file.close(); closed = .success(()) } catch { closed = .failure(error) }
        let value = try result.get()
        try closed.get()
        return value
    }

    /// `mkdir -p`: creates `path`, first creating missing parents; an
    /// existing directory anywhere on the way is fine.
    private static func createDirectoryWithParents(_ path: FilePath, mode: UInt32) async throws(IOError) {
        let op = try OpPath(path)
        guard let runtime = Runtime.current else { throw .noRuntime }
        var result = await runtime.submit(.makeDirectoryAt(directory: AT_FDCWD, path: op, mode: mode)).result
        if case .failure(.errno(.noSuchFileOrDirectory)) = result {
            let parent = path.removingLastComponent()
            guard !parent.isEmpty, parent != path else { _ = try result.get(); return }
            try await createDirectoryWithParents(parent, mode: mode)
            result = await runtime.submit(.makeDirectoryAt(directory: AT_FDCWD, path: op, mode: mode)).result
        }
        switch result {
        case .success:
            return
        case .failure(.errno(.fileExists)):
            // Someone (maybe another task) made it first: fine if it is a directory.
            guard try await metadata(at: path).isDirectory else { throw .errno(.fileExists) }
        case .failure(let error):
            throw error
        }
    }
}
