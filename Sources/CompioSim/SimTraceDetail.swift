/// An event's detail, kept as numbers until its text is wanted: formatting a
/// string for every event would cost more than the rest of recording it.
///
/// The trace's hash folds in the case and its fields, not the text: the same
/// text recorded as two different cases hashes differently (a run records a
/// given event one way, so that never changes a comparison).
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

    /// The open files an op holds, packed: `files(nil, b)` is `"file#<b>"`.
    static func files(_ a: SimOpenFile?, _ b: SimOpenFile?) -> SimTraceDetail {
        switch (a, b) {
        case (let a?, let b?): .files(a.id, b.id)
        case (let a?, nil): .files(a.id, 0)
        case (nil, let b?): .files(b.id, 0)
        case (nil, nil): .files(0, 0)
        }
    }

    /// Folds the case and its fields into the trace's hash.
    func hash(into h: inout SimTraceHasher) {
        switch self {
        case .none:
            h.word(0)
        case .text(let text):
            h.word(1)
            h.write(text)
        case .number(let prefix, let n):
            h.word(2)
            h.write(prefix)
            h.word(UInt64(bitPattern: n))
        case .files(let a, let b):
            h.word(3)
            h.word(UInt64(bitPattern: Int64(a)))
            h.word(UInt64(bitPattern: Int64(b)))
        }
    }

    func write(to out: inout String) {
        switch self {
        case .none:
            break
        case .text(let text):
            out += text
        case .number(let prefix, let n):
            out += prefix
            out += String(n)
        case .files(let a, let b):
            if a != 0 { out += "file#\(a)" }
            if b != 0 { out += ",file#\(b)" }
        }
    }
}
