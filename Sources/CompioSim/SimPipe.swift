/// A pipe: a bounded byte queue between one read end and one write end.
final class SimPipe {
    /// Linux's default pipe capacity.
    static let capacity = 65_536

    var buffer: [UInt8] = []
    var readerOpen = true
    var writerOpen = true
    weak var readEnd: SimOpenFile?
    weak var writeEnd: SimOpenFile?
}
