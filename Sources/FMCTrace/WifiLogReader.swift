// Wi-Fi association logs in the style of the Dartmouth campus syslog traces: a timestamp, the
// access point that logged, a client MAC address and a message type. Vendors word the
// messages differently, so the line pattern is a regular expression with named groups
// `time`, `ap`, `client` and `type`, configurable with --wifi-pattern. Association,
// reassociation and roaming attach the client to the access point; disassociation and
// deauthentication detach it; other lines are counted as skipped.

import FMCCore
import FMCIO
import Foundation

public final class WifiLogReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.wifi
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = true
    public private(set) var records = 0
    public private(set) var skippedLines = 0

    /// Syslog timestamp, then the access point's host name, then anywhere in the message the
    /// client MAC and the event word, in either order ("Station 00:11:22:33:44:55 Associated",
    /// "Deauthenticating Station 00:11:…"): both are found by lookaheads.
    public static let defaultPattern =
        #"^(?<time>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d) (?<ap>\S+) (?=.*?(?<client>(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}))(?=.*?\b(?<type>(?i:reassociat\w*|disassociat\w*|deauthenticat\w*|associat\w*|roam\w*|reassoc|disassoc|deauth|assoc))\b)"#

    private let lines: LineReader
    private let regex: NSRegularExpression
    private let year: Int
    private var lastTime = Int64.min

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        let pattern = options.wifiPattern ?? WifiLogReader.defaultPattern
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw InputError(file: "--wifi-pattern", place: .whole, message: "not a valid regular expression: \(error)")
        }
        for group in ["time", "ap", "client", "type"] where !pattern.contains("(?<\(group)>") {
            throw InputError(file: "--wifi-pattern", place: .whole, message: "the pattern needs a named group (?<\(group)>...)")
        }
        year = options.wifiYear ?? 1970
        lines = try LineReader(path: path)
    }

    public func next() throws -> MobilityRecord? {
        while let line = try lines.nextString() {
            let range = NSRange(line.startIndex..., in: line)
            guard let m = regex.firstMatch(in: line, range: range) else { skippedLines += 1; continue }
            func group(_ name: String) -> String? {
                let r = m.range(withName: name)
                guard r.location != NSNotFound, let sr = Range(r, in: line) else { return nil }
                return String(line[sr])
            }
            guard let timeText = group("time"), let ap = group("ap"), let client = group("client"), let type = group("type") else {
                skippedLines += 1
                continue
            }
            let kind = type.lowercased()
            let detach = kind.contains("disassoc") || kind.contains("deauth")
            let attach = !detach && (kind.contains("assoc") || kind.contains("roam"))
            guard attach || detach else { skippedLines += 1; continue }
            guard let t = parseSecondsExact(timeText) ?? parseISO8601(timeText) ?? parseSyslogTime(timeText, year: year) else {
                throw lines.error("time '\(timeText)' is not a syslog, ISO 8601 or epoch timestamp")
            }
            guard t >= lastTime else { throw lines.error("time '\(timeText)' goes backwards") }
            lastTime = t
            let node = nodes.intern(client.lowercased().replacingOccurrences(of: "-", with: ":"))
            records += 1
            return detach ? .detach(node: node, timeNs: t, line: lines.lineNumber)
                : .attach(node: node, timeNs: t, point: ap, cell: nil, line: lines.lineNumber)
        }
        return nil
    }
}

/// "Nov 25 06:23:01" in a given year, UTC, to ns since the epoch.
func parseSyslogTime(_ s: String, year: Int) -> Int64? {
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let parts = s.split(separator: " ", omittingEmptySubsequences: true)
    guard parts.count == 3, let mo = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]), (1...31).contains(day) else { return nil }
    let pad = { (v: Int, w: Int) -> String in String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
    return parseISO8601("\(pad(year, 4))-\(pad(mo + 1, 2))-\(pad(day, 2))T\(parts[2])Z")
}
