import Compio
import Glibc
import SystemPackage
import Testing

/// The path-based functions of `FileSystem`, on the real kernel.
@Suite(.serialized) struct FSFileSystemTests {
    @Test(arguments: TestDrivers.choices)
    func createDirectoryPlainAndRecursive(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let top = FilePath(dir).appending("top")
            try await FileSystem.createDirectory(at: top)
            #expect(try await FileSystem.metadata(at: top).isDirectory)
            #expect(await FSTest.error { try await FileSystem.createDirectory(at: top) } == .errno(.fileExists))

            let deep = top.appending("a/b/c")
            #expect(await FSTest.error { try await FileSystem.createDirectory(at: deep) } == .errno(.noSuchFileOrDirectory),
                    "without recursive, a missing parent is an error")
            try await FileSystem.createDirectory(at: deep, permissions: .ownerReadWriteExecute, recursive: true)
            #expect(try await FileSystem.metadata(at: deep).isDirectory)
            #expect(try await FileSystem.metadata(at: top.appending("a")).filePermissions == .ownerReadWriteExecute,
                    "parents get the permissions too")
            try await FileSystem.createDirectory(at: deep, recursive: true)
            try await FileSystem.createDirectory(at: dir + "/top/a/b/d", recursive: true)
            #expect(try await FileSystem.metadata(at: dir + "/top/a/b/d").isDirectory)

            let file = top.appending("file")
            try await FileSystem.writeFile(at: file, bytes: [1])
            #expect(await FSTest.error { try await FileSystem.createDirectory(at: file, recursive: true) } == .errno(.fileExists),
                    "a file in the way is not a directory that already exists")
            #expect(await FSTest.error { try await FileSystem.createDirectory(at: file.appending("x/y"), recursive: true) } == .errno(.notDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func concurrentRecursiveCreatesAllSucceed(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { runtime, dir async throws in
            let handles = (0..<8).map { i in
                runtime.spawn { () async -> IOError? in
                    await FSTest.error { try await FileSystem.createDirectory(at: dir + "/shared/parent/child\(i % 2)", recursive: true) }
                }
            }
            for h in handles { #expect(await h.value == nil) }
            #expect(try await FileSystem.metadata(at: dir + "/shared/parent/child1").isDirectory)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func removeFileAndDirectory(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let sub = dir + "/sub"
            let file = sub + "/file"
            try await FileSystem.createDirectory(at: sub)
            try await FileSystem.writeFile(at: file, bytes: [1, 2])
            #expect(await FSTest.error { try await FileSystem.removeDirectory(at: sub) } == .errno(.directoryNotEmpty))
            #expect(await FSTest.error { try await FileSystem.removeFile(at: sub) } == .errno(.isDirectory))
            #expect(await FSTest.error { try await FileSystem.removeDirectory(at: file) } == .errno(.notDirectory))
            try await FileSystem.removeFile(at: FilePath(file))
            #expect(await FSTest.error { _ = try await FileSystem.metadata(at: file) } == .errno(.noSuchFileOrDirectory))
            #expect(await FSTest.error { try await FileSystem.removeFile(at: file) } == .errno(.noSuchFileOrDirectory))
            try await FileSystem.removeDirectory(at: FilePath(sub))
            #expect(await FSTest.error { try await FileSystem.removeDirectory(at: sub) } == .errno(.noSuchFileOrDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func renameMovesAndReplaces(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let a = dir + "/a"
            let b = dir + "/b"
            try await FileSystem.writeFile(at: a, bytes: Array("first".utf8))
            try await FileSystem.writeFile(at: b, bytes: Array("second".utf8))
            try await FileSystem.rename(from: a, to: b)
            #expect(try await FileSystem.readFile(at: b) == Array("first".utf8))
            #expect(await FSTest.error { _ = try await FileSystem.metadata(at: a) } == .errno(.noSuchFileOrDirectory))
            try await FileSystem.rename(from: FilePath(b), to: FilePath(a))
            #expect(try await FileSystem.readFile(at: FilePath(a)) == Array("first".utf8))
            #expect(await FSTest.error { try await FileSystem.rename(from: b, to: a) } == .errno(.noSuchFileOrDirectory))
        }
    }

    @Test(arguments: TestDrivers.choices)
    func symlinksAndTheirMetadata(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let target = dir + "/target"
            let link = dir + "/link"
            try await FileSystem.writeFile(at: target, bytes: Array("via link".utf8))
            try await FileSystem.createSymlink(at: link, pointingTo: "target")
            #expect(try await FileSystem.readFile(at: link) == Array("via link".utf8), "a relative target resolves from the link's directory")
            #expect(try await FileSystem.metadata(at: link).isFile)
            let own = try await FileSystem.metadata(at: link, followSymlinks: false)
            #expect(own.isSymlink && own.size == Int64("target".utf8.count))
            #expect(await FSTest.error { try await FileSystem.createSymlink(at: link, pointingTo: "elsewhere") } == .errno(.fileExists))

            let dangling = FilePath(dir).appending("dangling")
            try await FileSystem.createSymlink(at: dangling, pointingTo: FilePath(dir).appending("nowhere"))
            #expect(await FSTest.error { _ = try await FileSystem.metadata(at: dangling) } == .errno(.noSuchFileOrDirectory))
            #expect(try await FileSystem.metadata(at: dangling, followSymlinks: false).isSymlink)
            try await FileSystem.removeFile(at: dangling)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func hardLinksShareTheFile(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let original = dir + "/original"
            let link = dir + "/hard"
            try await FileSystem.writeFile(at: original, bytes: [1, 2, 3])
            try await FileSystem.createHardLink(at: link, to: original)
            let a = try await FileSystem.metadata(at: original)
            let b = try await FileSystem.metadata(at: FilePath(link))
            #expect(a.inode == b.inode && a.linkCount == 2)
            try await FileSystem.writeFile(at: FilePath(link), bytes: [9])
            #expect(try await FileSystem.readFile(at: original) == [9], "one file, two names")
            #expect(await FSTest.error { try await FileSystem.createHardLink(at: link, to: original) } == .errno(.fileExists))
            #expect(await FSTest.error { try await FileSystem.createHardLink(at: FilePath(dir + "/x"), to: FilePath(dir + "/missing")) }
                    == .errno(.noSuchFileOrDirectory))
            try await FileSystem.removeFile(at: original)
            #expect(try await FileSystem.metadata(at: link).linkCount == 1)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func readFileAndWriteFileRoundTrip(_ choice: DriverBuilder.Choice) async throws {
        try await FSTest.run(choice) { _, dir in
            let path = FilePath(dir).appending("data.bin")
            let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            try await FileSystem.writeFile(at: path, bytes: data)
            #expect(try await FileSystem.readFile(at: path) == data)
            try await FileSystem.writeFile(at: path, bytes: "short".utf8)
            #expect(try await FileSystem.readFile(at: path) == Array("short".utf8), "writeFile replaces the whole content")
            #expect(try await FileSystem.readFile(at: path, limit: 5) == Array("short".utf8))
            #expect(await FSTest.error { _ = try await FileSystem.readFile(at: path, limit: 4) } == .errno(.fileTooLarge))
            try await FileSystem.writeFile(at: path, bytes: [])
            #expect(try await FileSystem.readFile(at: path) == [])
        }
    }
}
