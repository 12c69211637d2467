import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard output:
/// `{"ts":…,"level":…,"label":…,"msg":…, metadata…}`. Integer and floating-point
/// metadata are written as JSON numbers, so the timing lines can be summed as they are.
///
/// Lines go through stdio's buffer; see ``StandardOutput``.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\""
        line.reserveCapacity(512)
        line += LogTimestamp.now()
        line += "\",\"level\":\""
        line += event.level.rawValue
        line += "\",\"label\":"
        JSONText.appendString(label, to: &line)
        line += ",\"msg\":"
        JSONText.appendString(event.message.description, to: &line)
        // The logger's own metadata, then the event's, which wins on a shared key; neither
        // merged into a new dictionary nor sorted, as this runs once per job.
        let eventMetadata = event.metadata ?? [:]
        for (key, value) in metadata where eventMetadata[key] == nil {
            Self.append(key, value, to: &line)
        }
        for (key, value) in eventMetadata {
            Self.append(key, value, to: &line)
        }
        line += "}\n"
        StandardOutput.write(line)
    }

    private static func append(_ key: String, _ value: Logger.Metadata.Value, to line: inout String) {
        line += ","
        JSONText.appendString(key, to: &line)
        line += ":"
        JSONText.appendValue(value, to: &line)
    }
}

/// Buffered writes to standard output. A busy worker writes thousands of lines a second,
/// so they are not flushed one by one: ``flushPeriodically(every:)`` writes them out, and
/// ``flush()`` before the process exits.
public enum StandardOutput {
    /// A stdio stream of our own on descriptor 1, with a 64 KiB buffer; stdio locks it
    /// on every call, so any thread may write.
    private nonisolated(unsafe) static let stream: UnsafeMutablePointer<FILE> = {
        let stream = fdopen(STDOUT_FILENO, "w")!
        setvbuf(stream, nil, _IOFBF, 1 << 16)
        return stream
    }()

    static func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            _ = fwrite(bytes.baseAddress, 1, bytes.count, stream)
        }
    }

    /// Writes out whatever is buffered.
    public static func flush() {
        fflush(stream)
    }

    /// Flushes every `interval` until the task is cancelled, then once more.
    public static func flushPeriodically(every interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            flush()
        }
        flush()
    }
}

/// Writing JSON text by hand: the log path must not allocate an encoder per line.
enum JSONText {
    static func appendString(_ text: String, to output: inout String) {
        output += "\""
        var needsEscaping = false
        for byte in text.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            output += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case let control where control.value < 0x20:
                    output += "\\u00"
                    output += control.value < 0x10 ? "0" : ""
                    output += String(control.value, radix: 16)
                default: output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    static func appendValue(_ value: Logger.Metadata.Value, to output: inout String) {
        switch value {
        case .string(let text):
            appendString(text, to: &output)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger:
                output += "\(number)"
            case let number as Double where number.isFinite:
                output += "\(number)"
            case let flag as Bool:
                output += flag ? "true" : "false"
            default:
                appendString(convertible.description, to: &output)
            }
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += "," }
                appendValue(element, to: &output)
            }
            output += "]"
        case .dictionary(let entries):
            output += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                appendString(key, to: &output)
                output += ":"
                appendValue(entries[key]!, to: &output)
            }
            output += "}"
        }
    }
}

/// RFC 3339 UTC timestamps with milliseconds, formatted without Foundation's formatters.
enum LogTimestamp {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(spec.tv_nsec / 1_000_000), 3))Z"
    }
}
