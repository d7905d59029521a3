extension SimTrace {
    /// The trace as Chrome trace JSON ("Trace Event Format"), which Perfetto and
    /// chrome://tracing open as a timeline.
    ///
    /// Each op becomes a span (`ph: "X"`) from its push to its completion, on a
    /// track per op name; every event is also an instant (`ph: "i"`) on the
    /// "events" track, with its fields as arguments. Times are microseconds of
    /// virtual time.
    public func chromeTraceJSON() -> String {
        var out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":["
        var first = true
        func emit(_ object: String) {
            if !first { out += "," }
            first = false
            out += object
        }
        func micros(_ ns: Int64) -> String {
            let whole = ns / 1000
            let frac = abs(ns % 1000)
            return "\(whole).\(String(frac + 1000).dropFirst())"
        }
        emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"events\"}}")
        emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,\"args\":{\"name\":\"ops\"}}")
        // Push times by key; keys are unique while an op is in flight, which is the
        // whole span, so a key maps to at most one open span at a time.
        var pushedAt: [UInt64: (Int64, String)] = [:]
        for event in events {
            emit(
                "{\"name\":\(Self.jsonString("\(event.kind) \(event.name)")),\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":1,"
                    + "\"ts\":\(micros(event.time)),\"args\":{\"key\":\(event.key),\"value\":\(event.value),"
                    + "\"detail\":\(Self.jsonString(event.detail))}}")
            switch event.kind {
            case .push:
                pushedAt[event.key] = (event.time, event.name)
            case .complete:
                if let (start, name) = pushedAt.removeValue(forKey: event.key) {
                    emit(
                        "{\"name\":\(Self.jsonString(name)),\"ph\":\"X\",\"pid\":1,\"tid\":2,\"ts\":\(micros(start)),"
                            + "\"dur\":\(micros(event.time - start)),\"args\":{\"key\":\(event.key),\"result\":\(event.value)}}")
                }
            default:
                break
            }
        }
        out += "]}"
        return out
    }

    /// `value` as a JSON string literal.
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
