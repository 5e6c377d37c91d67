// Wi-Fi association logs in the style of the Dartmouth campus syslog traces: a timestamp, the
// access point that logged, a client MAC address and a message type. This file owns reading
// them.
//
// Vendors word the messages differently, so the line pattern is a regular expression with
// named groups `time`, `ap`, `client` and `type` (`MobilityOptions.wifiPattern`,
// --wifi-pattern). Association, reassociation and roaming attach the client to the access
// point; disassociation and deauthentication detach it; a type that says the attempt failed
// (failed, rejected, refused, denied), and lines the pattern does not match, are skipped and
// counted. A pattern may instead decide with groups named `attach` and `detach`: whichever
// took part in the match says what the line means.
//
// Times: syslog "Nov 25 06:23:01" (no year: `MobilityOptions.wifiYear`, default 1970, so a
// log without one starts on the epoch's calendar; a jump back by more than half a year is
// read as the turn of a year), ISO 8601, or seconds since the epoch. The log must be in time
// order (as a syslog server writes it); a line going back in time is an error.

import FMCCore
import FMCIO
import Foundation

public final class WifiLogReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.wifi
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = true
    // Counters and per-line state are touched once per record by this reader alone: no
    // dynamic exclusivity checks (they cost as much as parsing a field).
    @exclusivity(unchecked) public private(set) var records = 0
    @exclusivity(unchecked) public private(set) var skippedLines = 0
    /// The year syslog timestamps are read in; grows by one at each turn of the year.
    public private(set) var year: Int

    /// A timestamp (syslog, ISO 8601 or epoch seconds), then the access point's host name,
    /// then anywhere in the message the client MAC (aa:bb:cc:dd:ee:ff, aa-bb-…, or Cisco's
    /// aabb.ccdd.eeff) and the event word, in either order ("Station 0011.2233.4455
    /// Associated", "Deauthenticating Station 00:11:…"): both are found by lookaheads. This
    /// matches Cisco IOS access points logging to a syslog server, as in the Dartmouth traces.
    public static let defaultPattern =
        #"^(?<time>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d(?::?\d\d)?)?|\d{9,10}(?:\.\d+)?)\s+(?<ap>\S+)\s"#
        + #"(?=.*?(?<client>\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b))"#
        + #"(?=.*?\b(?<type>(?i:reassociat\w*|disassociat\w*|deauthenticat\w*|associat\w*|roamed|reassoc|disassoc|deauth|assoc)"#
        + #"(?:\s+(?i:fail\w*|reject\w*|refus\w*|denied))?)\b)"#

    private let lines: LineReader
    private let regex: NSRegularExpression
    private let decidesByGroups: Bool
    private let nodeNames: NodeInterner
    private let points = ByteInterner()
    @exclusivity(unchecked) private var lastTime = Int64.min
    @exclusivity(unchecked) private var lastTimeLine = 0

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        let pattern = options.wifiPattern ?? WifiLogReader.defaultPattern
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw InputError(file: "--wifi-pattern", place: .whole, message: "not a valid regular expression: \(error)")
        }
        decidesByGroups = pattern.contains("(?<attach>") || pattern.contains("(?<detach>")
        let needed = decidesByGroups ? ["time", "ap", "client"] : ["time", "ap", "client", "type"]
        for group in needed where !pattern.contains("(?<\(group)>") {
            throw InputError(file: "--wifi-pattern", place: .whole,
                             message: "the pattern needs a named group (?<\(group)>...)" + (group == "type" ? " (or groups attach and detach)" : ""))
        }
        year = options.wifiYear ?? 1970
        lines = try LineReader(path: path)
        nodeNames = NodeInterner(nodes)
    }

    public func next() throws -> MobilityRecord? {
        while let raw = try lines.nextLine() {
            // Cheap test first: with the type decided by words, a line naming none of them
            // cannot be an association event, and most syslog lines are something else.
            if !decidesByGroups && !containsIgnoringCase(raw, "assoc") && !containsIgnoringCase(raw, "deauth")
                && !containsIgnoringCase(raw, "roam") {
                skippedLines += 1
                continue
            }
            let line = String(decoding: raw, as: UTF8.self)
            guard let m = regex.firstMatch(in: line, range: NSRange(location: 0, length: line.utf16.count)) else {
                skippedLines += 1
                continue
            }
            func group(_ name: String) -> Substring? {
                let r = m.range(withName: name)
                guard r.location != NSNotFound, let sr = Range(r, in: line) else { return nil }
                return line[sr]
            }
            let detach: Bool
            if decidesByGroups {
                if group("detach") != nil { detach = true } else if group("attach") != nil { detach = false } else {
                    skippedLines += 1
                    continue
                }
            } else {
                guard let type = group("type"), let kind = Self.kind(type) else { skippedLines += 1; continue }
                detach = kind
            }
            guard let timeText = group("time"), let ap = group("ap"), let client = group("client"), !ap.isEmpty, !client.isEmpty else {
                skippedLines += 1
                continue
            }
            let t = try time(timeText)
            let node = Self.normalizedMAC(client).withUnsafeBytes { nodeNames.node($0) }
            records += 1
            if detach { return .detach(node: node, timeNs: t, line: lines.lineNumber) }
            var apText = String(ap)
            let point = apText.withUTF8 { points.string(UnsafeRawBufferPointer($0)) }
            return .attach(node: node, timeNs: t, point: point, cell: nil, line: lines.lineNumber)
        }
        return nil
    }

    /// true = detach, false = attach, nil = not an association event (or a failed one).
    static func kind(_ type: Substring) -> Bool? {
        let k = type.lowercased()
        for failure in ["fail", "reject", "refus", "denied"] where k.contains(failure) { return nil }
        if k.contains("disassoc") || k.contains("deauth") { return true }
        if k.contains("assoc") || k.contains("roam") { return false }
        return nil
    }

    /// Lower-case, and aa:bb:cc:dd:ee:ff whatever the separators (Cisco writes aabb.ccdd.eeff,
    /// Windows aa-bb-…), so one client is one node; anything not a MAC is only lower-cased.
    static func normalizedMAC(_ client: Substring) -> [UInt8] {
        var hex: [UInt8] = []
        hex.reserveCapacity(17)
        var digits = 0
        for c in client.utf8 {
            let l = asciiLower(c)
            if (l >= 48 && l <= 57) || (l >= 97 && l <= 102) {
                if digits > 0 && digits % 2 == 0 { hex.append(UInt8(ascii: ":")) }
                hex.append(l)
                digits += 1
            } else if l == 58 || l == 45 || l == 46 {
                continue
            } else {
                return Array(client.lowercased().utf8)
            }
        }
        if digits != 12 { return Array(client.lowercased().utf8) }
        return hex
    }

    private func time(_ text: Substring) throws -> Int64 {
        var s = String(text)
        let t: Int64? = s.withUTF8 { u -> Int64? in
            let b = UnsafeRawBufferPointer(u)
            if let t = secondsExact(b) ?? iso8601(b) { return t }
            guard var t = syslogTime(b, year: year) else { return nil }
            // No year in syslog: a jump back of more than half a year is New Year's Eve.
            if lastTime != .min && t < lastTime - 183 * 86_400 * 1_000_000_000, let next = syslogTime(b, year: year + 1) {
                year += 1
                t = next
            }
            return t
        }
        guard let t else { throw lines.error("time '\(text)' is not a syslog, ISO 8601 or epoch timestamp") }
        guard t >= lastTime else {
            throw lines.error("time '\(text)' goes backwards (line \(lastTimeLine) was later); the log must be in time order")
        }
        lastTime = t
        lastTimeLine = lines.lineNumber
        return t
    }
}
