/// An event's detail, kept as numbers until its text is wanted: formatting a
/// string for every event would cost more than the rest of recording it.
///
/// The trace's hash folds in exactly the bytes of ``text``, written straight
/// into the hash, so a detail hashes the same whichever case it is recorded as.
public enum SimTraceDetail: Sendable, Hashable {
    /// No detail.
    case none
    /// Ready-made text.
    case text(String)
    /// A prefix and a decimal number: `"new fd 5"`, `"file#3"`.
    case number(String, Int64)
    /// The open files an op holds, by serial number, 0 for none: `"file#1,file#2"`.
    case files(Int, Int)

    /// The detail as text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// The open files of an op's descriptor slots (an op names at most two).
    static func files(_ slots: [SimOpenFile?]) -> SimTraceDetail {
        var ids = (0, 0)
        var n = 0
        for case let file? in slots {
            precondition(n < 2, "SimTraceDetail: an op holds more than two files")
            if n == 0 { ids.0 = file.id } else { ids.1 = file.id }
            n += 1
        }
        return .files(ids.0, ids.1)
    }

    func write(to sink: inout some SimTraceTextSink) {
        switch self {
        case .none:
            break
        case .text(let text):
            sink.write(text)
        case .number(let prefix, let n):
            sink.write(prefix)
            sink.write(decimal: n)
        case .files(let a, let b):
            if a != 0 {
                sink.write("file#")
                sink.write(decimal: Int64(a))
            }
            if b != 0 {
                sink.write(",file#")
                sink.write(decimal: Int64(b))
            }
        }
    }
}
