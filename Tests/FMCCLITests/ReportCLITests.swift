// `fmc replay` and `fmc report` as a user runs them: the pages written next to report.json
// must agree with it. report.json is read here with Foundation's parser (not fmc's), and
// every summary number and every handover row is compared with report.md and the CSVs.

import FMCTestSupport
import Foundation
import Testing

private func leaves(_ v: Any, _ path: String, into out: inout [String: Any]) {
    if let d = v as? [String: Any] {
        for (k, x) in d { leaves(x, path.isEmpty ? k : path + "." + k, into: &out) }
    } else if let a = v as? [Any] {
        for (i, x) in a.enumerated() { leaves(x, path + ".\(i)", into: &out) }
    } else {
        out[path] = v
    }
}

/// The same number. Foundation's JSON parser on Linux can be a few ulps off for long
/// decimals (0.0037593984962406013 reads as …026), so equality allows 1e-12 relative: far
/// below any rounding the report does (milliseconds to the microsecond).
private func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b))
}

/// Whether page text shows the JSON value: the same number, the same string, or null as
/// the page's empty marker.
private func same(_ text: String?, _ v: Any?, null: String) -> Bool {
    guard let text else { return false }
    if v == nil || v is NSNull { return text == null }
    if let s = v as? String { return text == s }
    if let n = v as? NSNumber { return close(Double(text), n.doubleValue) }
    return false
}

/// Exact nanoseconds from the pages' decimal seconds.
private func nanoseconds(_ s: String) -> Int64? {
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard let whole = Int64(parts[0]) else { return nil }
    guard parts.count == 2 else { return whole * 1_000_000_000 }
    let frac = String(parts[1]).padding(toLength: 9, withPad: "0", startingAt: 0)
    guard let f = Int64(frac) else { return nil }
    return whole * 1_000_000_000 + (whole < 0 || s.hasPrefix("-") ? -f : f)
}

@Suite("fmc report (the binary)")
struct ReportCLITests {
    let repo = FMCRun.repo

    func temp() throws -> String { try FMCRun.temporaryFolder("report-cli") }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test("replaying the sample writes report.md and csv/ that agree with report.json, number for number")
    func sampleAgrees() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try FMCRun(["replay", repo.appendingPathComponent("Traces/sample-scenario.yaml").path, "--loop", "--out", d])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/report.json"))) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        let handovers = try #require(report["handovers"] as? [[String: Any]])
        #expect(handovers.count > 10 && (summary["packets"] as? [String: Any])?["lost"] as? Int ?? 0 > 0, "the sample has handovers and losses to compare")

        // summary.csv: every scalar of the summary, the same value.
        var flat: [String: Any] = [:]
        leaves(summary, "summary", into: &flat)
        let rows = csvRows(try text(d + "/csv/summary.csv"))
        #expect(rows.first == ["metric", "value"])
        #expect(Set(rows.dropFirst().map(\.[0])) == Set(flat.keys))
        for row in rows.dropFirst() { #expect(same(row[1], flat[row[0]], null: ""), "summary.csv \(row[0]) = \(row[1]), report.json \(String(describing: flat[row[0]]))") }

        // report.md: every summary number is in its table.
        let t = markdownTables(try text(d + "/report.md"))
        func kv(_ caption: String, _ key: String) -> String? { t[caption]?.rows.first { $0[0] == key }?[1] }
        func col(_ caption: String, _ row: String, _ header: String) -> String? {
            guard let tab = t[caption], let i = tab.headers.firstIndex(of: header) else { return nil }
            return tab.rows.first { $0[0] == row }.map { $0[i] }
        }
        let ctlHeaders = ["site": "site", "messages_in": "messages in", "messages_out": "messages out", "peak_messages_per_s": "peak messages/s",
                          "peak_rules": "peak rules", "peak_mappings": "peak mappings"]
        func q(_ k: String) -> String { k == "count" ? "count" : k + " (ms)" }
        var checked = 0
        for (path, value) in flat {
            let p = Array(path.split(separator: ".").map(String.init).dropFirst())
            var shown: String?
            switch (p[0], p.count > 1 ? p[1] : "") {
            case ("handovers", _): shown = kv("Handovers in all", "handovers")
            case ("rules", "per_switch_peak"): shown = kv("Peak rules per switch", p[2])
            case ("rules", "per_controller_peak"): shown = kv("Peak rules per controller (on the switches it controls)", p[2])
            case ("rules", "per_role_peak"): shown = kv("Peak rules per role", p[2])
            case ("rules", "per_name_peak"): shown = kv("Peak rules per rule name", p[2])
            case ("rules", _): shown = kv("Rules in all", p[1])
            case ("install_latency_ms", _): shown = col("Install latency", "install", q(p[1]))
            case ("handover", _): shown = col("Handover times", p[1].replacingOccurrences(of: "_ms", with: ""), q(p[2]))
            case ("packets", "lost_by_cause"): shown = kv("Loss by cause", p[2])
            case ("packets", _): shown = kv("Packets", p[1])
            case ("triangular", _): shown = kv("Triangular routing", p[1])
            case ("messages", "by_type"): shown = col("Messages by type", p[2], "messages")
            case ("messages", "long_distance_by_type"): shown = col("Messages by type", p[2], "long distance")
            case ("messages", _): shown = kv("Messages in all", p[1])
            case ("controllers", _) where p[2] == "networks":
                // The networks are listed together in one cell.
                shown = col("Per controller", p[1], "networks")?.components(separatedBy: ", ")[Int(p[3])!]
            case ("controllers", _): shown = col("Per controller", p[1], ctlHeaders[p[2]] ?? p[2])
            default: break
            }
            #expect(same(shown, value, null: "–"), "report.md \(path) shows \(shown ?? "nothing"), report.json has \(value)")
            checked += 1
        }
        #expect(checked == flat.count && checked > 60)

        // The handover rows, in report.md and in handovers.csv.
        let mdRows = try #require(t["Handovers, in the order they ended"]?.rows)
        let handoverRows = csvRows(try text(d + "/csv/handovers.csv"))
        let header = handoverRows[0]
        #expect(mdRows.count == handovers.count && handoverRows.count == handovers.count + 1)
        for (i, h) in handovers.enumerated() {
            let m = mdRows[i]
            #expect(m[0] == String(i + 1))
            for (c, k) in [(1, "node"), (2, "from"), (3, "to"), (5, "reachable_ms"), (6, "converged_ms"), (7, "outage_ms"), (8, "lost"), (10, "lost_bytes")] {
                #expect(same(m[c], h[k], null: "–"), "report.md handover \(i + 1) \(k): \(m[c]) vs \(String(describing: h[k]))")
            }
            #expect(nanoseconds(m[4]) == (h["start_ns"] as? NSNumber)?.int64Value)
            let causes = h["lost_by_cause"] as? [String: Int] ?? [:]
            let shown = m[9] == "–" ? [:] : Dictionary(uniqueKeysWithValues: m[9].components(separatedBy: ", ").map { p -> (String, Int) in
                let kv = p.split(separator: " "); return (String(kv[0]), Int(kv[1])!)
            })
            #expect(shown == causes, "handover \(i + 1) causes")

            let row = handoverRows[i + 1]
            #expect(row.count == header.count)
            for (j, k) in header.enumerated() where j > 0 {
                if k.hasPrefix("lost_") && k != "lost_bytes" {
                    #expect(Int(row[j]) == causes[String(k.dropFirst(5))] ?? 0, "handovers.csv \(i + 1) \(k)")
                } else {
                    #expect(same(row[j], h[k], null: ""), "handovers.csv \(i + 1) \(k): \(row[j]) vs \(String(describing: h[k]))")
                }
            }
        }

        // Rule events.
        let events = try #require(report["rule_events"] as? [[String: Any]])
        let ev = csvRows(try text(d + "/csv/rule_events.csv"))
        #expect(ev.count == events.count + 1)
        for (i, e) in events.enumerated() {
            for (j, k) in ev[0].enumerated() where j > 0 { #expect(same(ev[i + 1][j], e[k], null: ""), "rule_events.csv \(i + 1) \(k)") }
        }

        // Series: rules per switch and controller messages, point for point.
        let series = try #require(report["series"] as? [String: Any])
        var expected: [[String]] = []
        for s in series["rules_per_switch"] as? [[String: Any]] ?? [] {
            for p in s["points"] as? [[NSNumber]] ?? [] { expected.append([String(p[0].int64Value), s["switch"] as! String, p[1].stringValue]) }
        }
        let sw = csvRows(try text(d + "/csv/switch_rules.csv"))
        #expect(sw[0] == ["time_s", "switch", "rules"])
        #expect(sw.dropFirst().map { [String(nanoseconds($0[0]) ?? -1), $0[1], $0[2]] } == expected)
        #expect(expected.count > 10)
        expected = []
        for s in series["controller_messages"] as? [[String: Any]] ?? [] {
            for p in s["points"] as? [[NSNumber]] ?? [] { expected.append([String(p[0].int64Value), s["controller"] as! String, p[1].stringValue]) }
        }
        let cm = csvRows(try text(d + "/csv/controller_messages.csv"))
        #expect(cm.dropFirst().map { [String(nanoseconds($0[0]) ?? -1), $0[1], $0[2]] } == expected)
        #expect(!expected.isEmpty)
        let dist = csvRows(try text(d + "/csv/distributions.csv"))
        let cdf = try #require(series["install_latency_ms_cdf"] as? [[NSNumber]])
        let shownCDF = dist.filter { $0[0] == "install_latency" }
        #expect(shownCDF.count == cdf.count)
        for (a, b) in zip(shownCDF, cdf) { #expect(close(Double(a[1]), b[0].doubleValue) && close(Double(a[2]), b[1].doubleValue), "\(a) vs \(b)") }

        // The page is there, self-contained, with every chart.
        let html = try text(d + "/report.html")
        #expect(html.components(separatedBy: "<figure class=\"chart\"").count - 1 == 8)
        #expect(!html.contains("<script") && !html.contains("<link"))

        // fmc report renders the same pages from the file.
        let before = try [d + "/report.md", d + "/report.html", d + "/csv/summary.csv"].map { try text($0) }
        let again = try FMCRun(["report", d])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try [d + "/report.md", d + "/report.html", d + "/csv/summary.csv"].map { try text($0) } == before)
    }

    @Test("--no-pages writes report.json only; --format picks the pages; a bad RUN is an error")
    func options() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try FMCRun(["replay", repo.appendingPathComponent("Traces/sample-scenario.yaml").path, "--no-pages", "--out", d])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["report.json"])
        let md = try FMCRun(["report", d + "/report.json", "--format", "md"])
        #expect(md.status == 0, "\(md.stderr)")
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: d)) == ["report.json", "report.md"])
        let two = try FMCRun(["report", d, "--format", "csv", "--format", "html"])
        #expect(two.status == 0)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: d)) == ["report.json", "report.md", "report.html", "csv"])
        #expect(try FMCRun(["report", d, "--format", "pdf"]).status == 64)
        let missing = try FMCRun(["report", d + "/nothing-here"])
        #expect(missing.status == 1 && missing.stderr.contains("nothing-here"))
        try "{}".write(toFile: d + "/x.json", atomically: true, encoding: .utf8)
        let notReport = try FMCRun(["report", d + "/x.json"])
        #expect(notReport.status == 1 && notReport.stderr.contains("not an fmc report"))
    }

    @Test("a paper sweep gets report.html with Figures 5 and 6")
    func paperSweep() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let s = try FMCRun(["synth", "paper-sweep", "--max", "2", "--out", d])
        #expect(s.status == 0, "\(s.stderr)")
        let html = try text(d + "/report.html")
        #expect(html.contains("id=\"chart-fig5\"") && html.contains("id=\"chart-fig6\""))
        let t = markdownTables(try text(d + "/report.md"))
        let rules = csvRows(try text(d + "/rules.csv"))
        #expect(t["Rules managed (rules.csv)"]?.rows == Array(rules.dropFirst()))
        #expect(t["Rules managed (rules.csv)"]?.headers == rules.first)
    }
}
