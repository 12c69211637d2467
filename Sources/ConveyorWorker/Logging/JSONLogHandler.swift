import ConveyorCore
import Foundation
public import Logging

/// A swift-log handler that writes one JSON object per line to standard output:
/// `{"ts":…,"level":…,"label":…,"msg":…, metadata…}`. Integer, floating-point and
/// ``LogMilliseconds`` metadata are written as JSON numbers, so the timing lines can be
/// summed as they are.
///
/// A busy worker logs a line per job, so a line is written as bytes into one buffer,
/// with no per-value strings; it goes through stdio's buffer (see ``StandardOutput``).
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
        var line = JSONLine()
        line.append("{\"ts\":\"")
        line.appendTimestamp()
        line.append("\",\"level\":\"")
        line.append(event.level.rawValue)
        line.append("\",\"label\":")
        line.appendString(label)
        line.append(",\"msg\":")
        line.appendString(event.message.description)
        // The logger's own metadata, then the event's, which wins on a shared key; neither
        // merged into a new dictionary nor sorted.
        if let eventMetadata = event.metadata, !eventMetadata.isEmpty {
            for (key, value) in metadata where eventMetadata[key] == nil {
                line.appendEntry(key, value)
            }
            for (key, value) in eventMetadata {
                line.appendEntry(key, value)
            }
        } else {
            for (key, value) in metadata {
                line.appendEntry(key, value)
            }
        }
        line.append("}\n")
        StandardOutput.write(line.bytes)
    }
}

/// A metadata value that ``JSONLogHandler`` writes as members of the line itself, in its
/// own order, in place of one member under its key: a line a job is cheaper written from
/// a struct than from a dictionary of a dozen entries. Other handlers print its
/// description, the same members as JSON text.
public protocol JSONLogMembers: CustomStringConvertible, Sendable {
    /// Appends each member with its leading comma.
    func appendMembers(to line: inout JSONLine)
}

extension JSONLogMembers {
    public var description: String {
        var line = JSONLine()
        appendMembers(to: &line)
        return String(decoding: line.bytes.dropFirst(), as: UTF8.self)
    }
}

/// A duration logged in milliseconds to the microsecond, written by ``JSONLogHandler``
/// as a JSON number from integer arithmetic (no floating-point formatting per value).
public struct LogMilliseconds: CustomStringConvertible, Sendable, Equatable {
    public let microseconds: Int64

    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.microseconds = seconds * 1_000_000 + (attoseconds + 500_000_000_000) / 1_000_000_000_000
    }

    public var description: String {
        var line = JSONLine()
        line.appendMilliseconds(microseconds)
        return String(decoding: line.bytes, as: UTF8.self)
    }
}

/// Buffered writes to standard output. A busy worker writes thousands of lines a second,
/// so they are not flushed one by one: ``flushPeriodically(every:)`` writes them out, and
/// ``flush()`` before the process exits.
public enum StandardOutput {
    /// A stdio stream of our own on descriptor 1, with a 64 KiB buffer that lives as
    /// long as the process (given no buffer, glibc would take the 4 KiB block size); stdio
    /// locks the stream on every call, so any thread may write.
    private nonisolated(unsafe) static let stream: UnsafeMutablePointer<FILE> = {
        let stream = fdopen(STDOUT_FILENO, "w")!
        let size = 1 << 16
        setvbuf(stream, UnsafeMutablePointer<CChar>.allocate(capacity: size), _IOFBF, size)
        return stream
    }()

    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            _ = fwrite(buffer.baseAddress, 1, buffer.count, stream)
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

/// One line of JSON text being written, as UTF-8 bytes.
public struct JSONLine {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A metadata entry: its members for ``JSONLogMembers``, else one member.
    mutating func appendEntry(_ key: String, _ value: Logger.Metadata.Value) {
        if case .stringConvertible(let convertible) = value, let members = convertible as? any JSONLogMembers {
            members.appendMembers(to: &self)
        } else {
            appendMember(key, value)
        }
    }

    mutating func appendMember(_ key: String, _ value: Logger.Metadata.Value) {
        appendKey(key)
        appendValue(value)
    }

    public mutating func appendMember(_ key: String, string: String) {
        appendKey(key)
        appendString(string)
    }

    public mutating func appendMember(_ key: String, integer: Int) {
        appendKey(key)
        appendInteger(Int64(integer))
    }

    public mutating func appendMember(_ key: String, milliseconds duration: Duration) {
        appendKey(key)
        appendMilliseconds(LogMilliseconds(duration).microseconds)
    }

    public mutating func appendMember(_ key: String, bool: Bool) {
        appendKey(key)
        append(bool ? "true" : "false")
    }

    private mutating func appendKey(_ key: String) {
        bytes.append(UInt8(ascii: ","))
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func appendString(_ text: String) {
        JSONString.append(text, to: &bytes)
    }

    mutating func appendValue(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            appendString(text)
        case .stringConvertible(let convertible):
            // Concrete types first: a cast to one is far cheaper than to a protocol.
            if let milliseconds = convertible as? LogMilliseconds {
                appendMilliseconds(milliseconds.microseconds)
            } else if let number = convertible as? Int {
                appendInteger(Int64(number))
            } else if let flag = convertible as? Bool {
                append(flag ? "true" : "false")
            } else if let number = convertible as? Double {
                if number.isFinite { append(number.description) } else { appendString(number.description) }
            } else if let number = convertible as? any BinaryInteger {
                append("\(number)")
            } else {
                appendString(convertible.description)
            }
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendValue(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let entries):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key)
                bytes.append(UInt8(ascii: ":"))
                appendValue(entries[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func appendInteger(_ number: Int64) {
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(number.magnitude, minimumWidth: 1)
        } else {
            appendDigits(UInt64(number), minimumWidth: 1)
        }
    }

    /// Microseconds as milliseconds with three decimals: 1234 → 1.234.
    mutating func appendMilliseconds(_ microseconds: Int64) {
        if microseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = microseconds.magnitude
        appendDigits(magnitude / 1000, minimumWidth: 1)
        bytes.append(UInt8(ascii: "."))
        appendDigits(magnitude % 1000, minimumWidth: 3)
    }

    /// RFC 3339 UTC time with milliseconds, e.g. 2026-11-22T19:03:04.123Z.
    mutating func appendTimestamp() {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(UInt64(parts.tm_year + 1900), minimumWidth: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(UInt64(parts.tm_mon + 1), minimumWidth: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(UInt64(parts.tm_mday), minimumWidth: 2)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(UInt64(parts.tm_hour), minimumWidth: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(UInt64(parts.tm_min), minimumWidth: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(UInt64(parts.tm_sec), minimumWidth: 2)
        bytes.append(UInt8(ascii: "."))
        appendDigits(UInt64(spec.tv_nsec / 1_000_000), minimumWidth: 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    private mutating func appendDigits(_ value: UInt64, minimumWidth: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0 || count < minimumWidth
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

}
