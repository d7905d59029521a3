import Compio

/// What a file must contain, as far as the scenario can know: bytes written
/// successfully are known, bytes under a failed write are not (a fault may
/// have landed part of it), holes read as zero.
final class FileModel: @unchecked Sendable {
    private var bytes: [UInt8?]
    /// The file is at least this long.
    private(set) var minLength = 0
    /// The file is at most this long.
    private(set) var maxLength = 0

    init(size: Int) { bytes = Array(repeating: 0, count: size) }

    func wrote(_ data: ArraySlice<UInt8>, at offset: Int) {
        for (i, b) in data.enumerated() { bytes[offset + i] = b }
        minLength = max(minLength, offset + data.count)
        maxLength = max(maxLength, minLength)
    }

    /// A write of `count` bytes at `offset` starts: until it ends, part of it
    /// may already be in the file (a short write's first piece).
    func writing(_ count: Int, at offset: Int) {
        maxLength = max(maxLength, offset + count)
    }

    func failed(_ count: Int, at offset: Int) {
        for i in offset..<offset + count { bytes[i] = nil }
        maxLength = max(maxLength, offset + count)
    }

    /// Why `data`, read at `offset` asking for `asked` bytes with the file at
    /// least `lengthBefore` long when the read started, is impossible; `nil` if it is fine.
    func mismatch(_ data: [UInt8], at offset: Int, asked: Int, lengthBefore: Int, shortAllowed: Bool) -> String? {
        let most = min(asked, max(0, maxLength - offset))
        let least = shortAllowed ? 0 : min(asked, max(0, lengthBefore - offset))
        if data.count > most || data.count < least {
            return "read of \(asked) at \(offset) returned \(data.count) bytes, expected \(least)...\(most)"
        }
        for (i, b) in data.enumerated() {
            if let want = bytes[offset + i], want != b {
                return "byte \(offset + i) is \(b), expected \(want)"
            }
        }
        return nil
    }
}

extension Scenario {
    /// Concurrent writes and reads at random offsets, checked against a model
    /// of the file. Each task owns a region (so the model is exact), but all
    /// share one descriptor and run at once.
    public static let files = Scenario(
        name: "files", summary: "concurrent pwrite/pread at random offsets against a model of the file"
    ) { context in
        let tasks = 4
        let region = 256
        let model = FileModel(size: tasks * region)
        let file = try await context.createFile("files")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var random = context.random(UInt64(t))
                    for _ in 0..<6 {
                        let offset = t * region + random.int(0...region - 2)
                        let count = random.int(1...min(48, t * region + region - offset))
                        if random.chance(0.6) {
                            let data = random.bytes(count)
                            model.writing(count, at: offset)
                            let (written, error) = await context.writeAll(file, data, at: offset)
                            model.wrote(data[..<written], at: offset)
                            if let error {
                                try context.check(context.tolerated(error), "writeAt \(offset)+\(count) failed: \(error)")
                                model.failed(count - written, at: offset + written)
                            }
                        } else {
                            let lengthBefore = model.minLength
                            switch await context.read(file, count: count, at: offset) {
                            case .success(let data):
                                let problem = model.mismatch(data, at: offset, asked: count, lengthBefore: lengthBefore, shortAllowed: context.world.faults)
                                try context.check(problem == nil, "task \(t): \(problem ?? "")")
                            case .failure(let error):
                                try context.check(context.tolerated(error), "readAt \(offset)+\(count) failed: \(error)")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let size = tasks * region
        if case .success(let all) = await context.read(file, count: size, at: 0) {
            let problem = model.mismatch(all, at: 0, asked: size, lengthBefore: model.minLength, shortAllowed: context.world.faults)
            try context.check(problem == nil, "final read: \(problem ?? "")")
        } else {
            try context.check(context.world.faults, "final read failed")
        }
        try await context.close(file)
        try await context.removeFile("files")
    }
}
