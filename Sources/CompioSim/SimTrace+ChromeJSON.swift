extension SimTrace {
    /// The trace as Chrome trace JSON ("Trace Event Format"), which Perfetto and
    /// chrome://tracing open as a timeline. Timestamps are virtual time, in
    /// microseconds.
    ///
    /// - Each op is a slice (`ph: "X"`) from its push to its completion, with
    ///   its result, on the track of the open file it runs on (`file#N`, named
    ///   after the descriptor that opened it) or, for ops on no file, of its
    ///   kind (`nop`, `asyncify`, `socket`, …). Ops that overlap on one track go
    ///   to numbered lanes of it, so slices never overlap.
    /// - Cancels and injected faults are instants (`ph: "i"`) on the op's lane,
    ///   or on the "cancels" and "faults" tracks when no op is in flight.
    /// - Every event is also an instant on the "events" track, with its fields
    ///   as arguments.
    ///
    /// Categories (`cat`): `op` for the slices, `cancel` and `fault` for those
    /// instants, `event` for the events track.
    public func chromeTraceJSON() -> String {
        var out = SimChromeTraceWriter()
        out.thread(1, "events")
        out.thread(2, "cancels")
        out.thread(3, "faults")
        var lanes = SimChromeLanes(firstThread: 10)
        // Names of open files, from the descriptor events that created them.
        var fileLabels: [Int: String] = [:]
        for event in events {
            out.instant(
                name: "\(event.kind) \(event.name)", category: "event", thread: 1, time: event.time,
                args: "\"key\":\(event.key),\"value\":\(event.value),\"detail\":\(Self.jsonString(event.detail))")
            switch event.kind {
            case .descriptor:
                if case .text(let text) = event.payload, text.hasPrefix("file#"),
                    let id = Int(text.dropFirst(5).prefix { $0.isNumber }) {
                    fileLabels[id] = "fd \(event.value) (\(event.name)\(text.dropFirst(5).drop { $0.isNumber }))"
                }
            case .push where event.value >= 0:  // failed pushes have a negative value and no key
                let track: String
                if case .files(let file, _) = event.payload, file != 0 {
                    track = "file#\(file)" + (fileLabels[file].map { " \($0)" } ?? "")
                } else {
                    track = event.name
                }
                if let thread = lanes.open(event.key, track: track, name: event.name, at: event.time) { out.thread(thread.id, thread.name) }
            case .complete:
                guard let (thread, start, name) = lanes.close(event.key) else { break }
                out.slice(
                    name: name, thread: thread, start: start, end: event.time,
                    args: "\"key\":\(event.key),\"result\":\(event.value)")
            case .cancel:
                out.instant(
                    name: "cancel \(event.name): \(event.detail)", category: "cancel", thread: lanes.thread(of: event.key) ?? 2, time: event.time,
                    args: "\"key\":\(event.key),\"result\":\(event.value)")
            case .fault:
                out.instant(
                    name: "fault \(event.name)\(event.detail.isEmpty ? "" : " on \(event.detail)")", category: "fault",
                    thread: (event.detail.isEmpty ? nil : lanes.thread(of: event.key)) ?? 3, time: event.time, args: "\"key\":\(event.key)")
            default:
                break
            }
        }
        return out.finish()
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

/// Builds the JSON text of a Chrome trace, one event object at a time.
struct SimChromeTraceWriter {
    private var out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":["
    private var first = true

    mutating func emit(_ object: String) {
        if !first { out += "," }
        first = false
        out += object
    }

    /// Names track `id`.
    mutating func thread(_ id: Int, _ name: String) {
        emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":\(id),\"args\":{\"name\":\(SimTrace.jsonString(name))}}")
        emit("{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":\(id),\"args\":{\"sort_index\":\(id)}}")
    }

    mutating func instant(name: String, category: String, thread: Int, time: Int64, args: String) {
        emit(
            "{\"name\":\(SimTrace.jsonString(name)),\"cat\":\"\(category)\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":\(thread),"
                + "\"ts\":\(Self.micros(time)),\"args\":{\(args)}}")
    }

    mutating func slice(name: String, thread: Int, start: Int64, end: Int64, args: String) {
        emit(
            "{\"name\":\(SimTrace.jsonString(name)),\"ph\":\"X\",\"pid\":1,\"tid\":\(thread),\"ts\":\(Self.micros(start)),"
                + "\"dur\":\(Self.micros(end - start)),\"cat\":\"op\",\"args\":{\(args)}}")
    }

    consuming func finish() -> String { out + "]}" }

    /// Nanoseconds as microseconds with three decimals.
    static func micros(_ ns: Int64) -> String {
        let whole = ns / 1000
        let frac = abs(ns % 1000)
        return "\(whole).\(String(frac + 1000).dropFirst())"
    }
}

/// Assigns ops to lanes of their track so that slices on one lane never
/// overlap: an op takes the lowest lane of its track with no op open.
struct SimChromeLanes {
    private struct Lane {
        let thread: Int
        var open: UInt64?
    }

    private var nextThread: Int
    private var lanes: [String: [Lane]] = [:]
    /// Open ops by key: thread, push time, op name.
    private var openOps: [UInt64: (thread: Int, start: Int64, name: String, track: String, lane: Int)] = [:]

    init(firstThread: Int) { nextThread = firstThread }

    /// Opens `key` on `track`; returns a new thread to name, if one was needed.
    mutating func open(_ key: UInt64, track: String, name: String, at time: Int64) -> (id: Int, name: String)? {
        var trackLanes = lanes[track, default: []]
        var created: (Int, String)?
        let lane: Int
        if let free = trackLanes.firstIndex(where: { $0.open == nil }) {
            lane = free
        } else {
            lane = trackLanes.count
            trackLanes.append(Lane(thread: nextThread, open: nil))
            created = (nextThread, lane == 0 ? track : "\(track) · \(lane + 1)")
            nextThread += 1
        }
        trackLanes[lane].open = key
        lanes[track] = trackLanes
        openOps[key] = (trackLanes[lane].thread, time, name, track, lane)
        return created
    }

    /// Closes `key`: its thread, push time and name, or `nil` if it was not open.
    mutating func close(_ key: UInt64) -> (Int, Int64, String)? {
        guard let op = openOps.removeValue(forKey: key) else { return nil }
        lanes[op.track]?[op.lane].open = nil
        return (op.thread, op.start, op.name)
    }

    /// The thread of the open op `key`.
    func thread(of key: UInt64) -> Int? { openOps[key]?.thread }
}
