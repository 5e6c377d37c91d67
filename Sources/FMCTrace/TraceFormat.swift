// Which mobility format a file holds, told from its content (names lie: the same trace may be
// called .txt, .tcl or .movements), and the reader for it.

import FMCCore
import FMCIO

public enum MobilityTrace {
    /// Opens `path` with the reader for `format`, or for the format its content shows.
    public static func open(_ path: String, format: MobilityFormat? = nil, options: MobilityOptions = MobilityOptions()) throws -> MobilityReader {
        let f = try format ?? detect(path)
        switch f {
        case .attachments: return try AttachmentCSVReader(path: path, options: options)
        case .positions: return try PositionCSVReader(path: path, options: options)
        case .ns2: return try NS2Reader(path: path, options: options)
        case .bonnmotion: return try BonnMotionReader(path: path, options: options)
        case .sumo: return try SUMOFCDReader(path: path, options: options)
        case .one: return try ONEReader(path: path, options: options)
        case .wifi: return try WifiLogReader(path: path, options: options)
        }
    }

    /// Looks at the first lines of the (decompressed) file.
    public static func detect(_ path: String) throws -> MobilityFormat {
        let lines = try LineReader(path: path)
        let head = try lines.peek(8192)
        let text = String(decoding: head, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("<") { return .sumo }
        if text.contains("$node_(") || text.contains("$ns_ at") || text.contains("$god_") { return .ns2 }
        let rows = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let first = rows.first else {
            throw InputError(file: path, place: .line(1, column: nil), message: "empty trace: cannot tell its format")
        }
        if first.contains(",") {
            let columns = first.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if columns.contains("time") && columns.contains("node") {
                if columns.contains("network") { return .attachments }
                if (columns.contains("x") && columns.contains("y")) || (columns.contains("lon") && columns.contains("lat")) {
                    return .positions
                }
            }
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        if months.contains(where: { first.hasPrefix($0 + " ") }) { return .wifi }
        func numbers(_ s: String) -> Int? {
            let fields = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.allSatisfy({ Double($0) != nil }) ? fields.count : nil
        }
        if let n = numbers(first) {
            // ONE: a 6-number world header, then "time id x y" lines (the id may be a name).
            if n == 6, rows.count > 1 {
                let f = rows[1].split(whereSeparator: { $0 == " " || $0 == "\t" })
                if f.count >= 4, Double(f[0]) != nil, Double(f[2]) != nil, Double(f[3]) != nil { return .one }
            }
            if n >= 3 { return .bonnmotion }
        }
        throw InputError(file: path, place: .line(1, column: nil),
                         message: "cannot tell the trace format from its content; give --format "
                            + MobilityFormat.allCases.map(\.rawValue).joined(separator: "|"))
    }
}
