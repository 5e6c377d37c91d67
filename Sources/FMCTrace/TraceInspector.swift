// What `fmc inspect` reports for a mobility trace: its format, nodes, records and time span,
// and with a scenario the attachments, handovers and networks visited.

import FMCCore
import FMCScenario

public struct TraceSummary {
    public var file: String
    public var format: MobilityFormat?
    public var coordinates: Coordinates?
    public var nodes = 0
    public var records = 0
    public var skippedLines = 0
    public var firstNs: Int64?
    public var lastNs: Int64?
    public var scenario: String?
    public var stats: AttachmentStats?
    public var errors: [InputError] = []

    public var ok: Bool { errors.isEmpty }

    public func json() -> JSON {
        var fields: [(String, JSON)] = [
            ("file", .string(file)),
            ("kind", .string("mobility")),
            ("format", format.map { .string($0.rawValue) } ?? .null),
            ("coordinates", coordinates.map { .string($0.rawValue) } ?? .null),
            ("nodes", .int(nodes)),
            ("records", .int(records)),
            ("skipped_lines", .int(skippedLines)),
            ("first_s", firstNs.map { .double(Double($0) / 1e9) } ?? .null),
            ("last_s", lastNs.map { .double(Double($0) / 1e9) } ?? .null),
        ]
        if let stats {
            fields.append(("scenario", scenario.map { .string($0) } ?? .null))
            fields.append(("attachments", .int(stats.attachments)))
            fields.append(("detachments", .int(stats.detachments)))
            fields.append(("handovers", .int(stats.handovers)))
            fields.append(("cell_changes", .int(stats.cellChanges)))
            fields.append(("networks_visited", .int(stats.networksVisited.count)))
            fields.append(("networks", .array(stats.networksVisited.sorted().map { .string($0) })))
        }
        fields.append(("errors", .array(errors.map { .string($0.description) })))
        return .object(fields)
    }

    public func text() -> String {
        var out = "\(file)\n"
        func row(_ k: String, _ v: String) { out += "  " + k.padding(toLength: 14, withPad: " ", startingAt: 0) + v + "\n" }
        if let format {
            row("format", "\(format.rawValue) mobility trace (\(coordinates?.rawValue ?? "?") coordinates)")
            row("nodes", "\(nodes), \(records) records, \(skippedLines) lines skipped (comments and the like)")
            if let f = firstNs, let l = lastNs {
                row("time span", "\(formatSeconds(f)) .. \(formatSeconds(l)) s (\(formatSeconds(l - f)) s)")
            }
            if let stats {
                row("scenario", scenario ?? "")
                row("attachments", "\(stats.attachments), detachments \(stats.detachments)")
                row("handovers", "\(stats.handovers) between networks, \(stats.cellChanges) cell changes within one")
                row("networks", "\(stats.networksVisited.count) visited: \(stats.networksVisited.sorted().joined(separator: ", "))")
            }
        }
        for e in errors { out += "  error: \(e)\n" }
        return out
    }
}

public enum TraceInspector {
    /// Reads the whole trace; never throws: failures land in `errors`, with what was read.
    public static func inspect(_ path: String, format: MobilityFormat?, options: MobilityOptions, scenario: Scenario?) -> TraceSummary {
        var s = TraceSummary(file: path)
        s.scenario = scenario?.file
        var reader: MobilityReader?
        do {
            let r = try MobilityTrace.open(path, format: format, options: options)
            reader = r
            s.format = r.format
            s.coordinates = r.coordinates
            if let scenario {
                let stream = try AttachmentStream(reader: r, scenario: scenario)
                defer { s.stats = stream.stats; s.firstNs = stream.firstTimeNs; s.lastNs = stream.lastTimeNs }
                while try stream.next() != nil {}
            } else {
                while let rec = try r.next() {
                    let t = rec.timeNs
                    if s.firstNs == nil || t < s.firstNs! { s.firstNs = t }
                    if s.lastNs == nil || t > s.lastNs! { s.lastNs = t }
                }
            }
        } catch let e as InputError {
            s.errors.append(e)
        } catch {
            s.errors.append(InputError(file: path, place: .whole, message: "\(error)"))
        }
        if let r = reader {
            s.nodes = r.nodes.count
            s.records = r.records
            s.skippedLines = r.skippedLines
        }
        return s
    }
}
