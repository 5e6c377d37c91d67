// The one error shape for bad input anywhere in fmc (captures, traces, scenarios).
//
// DESIGN.md §4.5: bad input is an error value naming the file and the place, never a crash
// or a silent skip. Readers throw or collect these; the CLI prints `description` and exits 1.

/// Where in an input the problem is. Captures speak in records and byte offsets, text
/// formats in lines (and optionally a column or key).
public enum InputPlace: Sendable, Equatable {
    /// `record` is 1-based (the first packet record is record 1); `offset` is the byte
    /// offset of the record's start in the (decompressed) stream.
    case record(Int, offset: Int64)
    /// A pcapng block: 1-based index among all blocks of the file, and its start offset.
    case block(Int, offset: Int64)
    /// A byte offset with no record, e.g. a file header.
    case byte(Int64)
    case line(Int, column: Int?)
    case key(String, line: Int?)
    case whole
}

public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var place: InputPlace
    public var message: String
    /// True when the byte offsets refer to decompressed data (gzip input).
    public var offsetIsDecompressed: Bool

    public init(file: String, place: InputPlace, message: String, offsetIsDecompressed: Bool = false) {
        self.file = file
        self.place = place
        self.message = message
        self.offsetIsDecompressed = offsetIsDecompressed
    }

    public var description: String {
        let d = offsetIsDecompressed ? " of decompressed data" : ""
        switch place {
        case let .record(r, offset):
            return "\(file): record \(r), byte offset \(offset)\(d): \(message)"
        case let .block(b, offset):
            return "\(file): block \(b), byte offset \(offset)\(d): \(message)"
        case let .byte(offset):
            return "\(file): byte offset \(offset)\(d): \(message)"
        case let .line(l, column):
            if let c = column { return "\(file):\(l):\(c): \(message)" }
            return "\(file):\(l): \(message)"
        case let .key(k, line):
            if let l = line { return "\(file):\(l): key '\(k)': \(message)" }
            return "\(file): key '\(k)': \(message)"
        case .whole:
            return "\(file): \(message)"
        }
    }
}
