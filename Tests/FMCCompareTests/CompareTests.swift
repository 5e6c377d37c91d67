// Flattening, repeat aggregation, threshold rules and verdicts, on small reports built in
// the test (no replay, no files).

import FMCCompare
import FMCCore
import Foundation
import Testing

/// A report.json-shaped value with the fields compare reads; `tweak` edits the summary.
func makeReport(seed: Int64 = 1, scenario: String = "s", controller: String = "distributed", strategy: String = "reactive",
                complete: Bool = true, mobility: String = String(repeating: "a", count: 64),
                scenarioDigest: String = String(repeating: "c", count: 64),
                p99: Double? = 1.0, p90: Double = 0.5, lost: Int = 0, peak: Int = 100, switches: [(String, Int)] = [("s1", 60), ("s2", 40)],
                messages: Int = 1000, longDistance: Int = 200, installProfile: String = "ovs") -> JSON {
    .object([
        ("schema", .string("fmc-report/1")),
        ("complete", .bool(complete)),
        ("mode", .string("emulated")),
        ("controller", .string(controller)),
        ("strategy", .string(strategy)),
        ("seed", .integer(seed)),
        ("scenario", .string(scenario)),
        ("inputs", .array([
            .object([("role", .string("scenario")), ("file", .string("s.yaml")), ("sha256", .string(scenarioDigest))]),
            .object([("role", .string("mobility")), ("file", .string("m.csv")), ("sha256", .string(mobility))]),
        ])),
        ("model", .object([("note", .string("emulated")), ("install_profile", .string(installProfile))])),
        ("summary", .object([
            ("handovers", .integer(10)),
            ("rules", .object([
                ("peak_total", .int(peak)),
                ("per_switch_peak", .object(switches.map { ($0.0, .int($0.1)) })),
                ("per_controller_peak", .object(switches.map { ("c-" + $0.0, .int($0.1)) })),
            ])),
            ("install_latency_ms", .object([("p50", .double(0.2)), ("p90", .double(p90)), ("p99", p99.map { .double($0) } ?? .null),
                                            ("count", .integer(500))])),
            ("packets", .object([("lost", .int(lost)), ("lost_by_cause", .object([("no_route", .int(lost))]))])),
            ("messages", .object([("total", .int(messages)), ("long_distance", .int(longDistance)),
                                  ("by_type", .object([("flow_mod", .int(messages / 2))]))])),
            ("controllers", .object([("c-s1", .object([("site", .string("x")), ("networks", .array([.string("A")])),
                                                       ("peak_messages_per_s", .double(12.5))]))])),
        ])),
    ])
}

func report(_ json: JSON) throws -> RunReport { try RunReport(json: json, path: "mem.json") }

/// A report carrying a `repeat` section built from the given summaries.
func repeated(_ runs: [JSON]) throws -> RunReport {
    let stats = RepeatSummary.aggregate(runs)
    let seeds = runs.compactMap { $0["seed"]?.numberValue.map { Int64($0) } }
    let rep = RepeatSummary(seeds: seeds, reports: seeds.map { "runs/seed-\($0)/report.json" }, requested: runs.count, complete: true, metrics: stats)
    return try report(runs[0].setting("repeat", rep.json))
}

@Suite("compare: flattening and aggregation")
struct FlattenTests {
    @Test("flatten keeps report order, dotted paths, array indexes and nulls; drops strings and booleans")
    func flatten() throws {
        let j = try JSON.parse(#"{"a": 1, "b": {"c": 2.5, "d": null, "e": "text", "f": true, "g": [3, {"h": 4}]}, "z": -1e3}"#)
        let m = MetricFlattener.flatten(j, prefix: "summary")
        #expect(m.map(\.path) == ["summary.a", "summary.b.c", "summary.b.d", "summary.b.g.0", "summary.b.g.1.h", "summary.z"])
        #expect(m.map(\.value) == [1, 2.5, nil, 3, 4, -1000])
    }

    @Test("the reader keeps integers, order and escapes, and rejects damaged text with an offset")
    func reader() throws {
        let j = try JSON.parse(#"{"k\u00e9y\n": [1, 2.0, "\ud83d\ude00", false, null], "x": {}}"#)
        guard case let .object(f) = j else { Issue.record("not an object"); return }
        #expect(f.map(\.0) == ["kéy\n", "x"])
        #expect(f[0].1 == .array([.integer(1), .double(2), .string("😀"), .bool(false), .null]))
        // What FMCCore writes reads back to the same text and metrics (integral doubles come
        // back as integers, which FMCCore writes the same way).
        let r = makeReport()
        #expect(try JSON.parse(r.pretty).pretty == r.pretty)
        #expect(try JSON.parse(r.compact).compact == r.compact)
        #expect(MetricFlattener.flatten(try JSON.parse(r.pretty), prefix: "") == MetricFlattener.flatten(r, prefix: ""))
        for bad in ["{\"a\": 1", "[1,]", "{\"a\" 1}", "tru", "\"abc", "{} x", "01x"] {
            #expect(throws: JSONParseError.self) { try JSON.parse(bad) }
        }
        #expect((try? JSON.parse("[1, 2,")) == nil)
        do { _ = try JSON.parse("[1, 2, @]") } catch let e as JSONParseError { #expect(e.offset == 7) }
    }

    @Test("aggregation: n, mean, min, max, sample stddev; nulls counted out")
    func aggregate() throws {
        let runs = [makeReport(seed: 1, p99: 1.0, peak: 100), makeReport(seed: 2, p99: nil, peak: 102), makeReport(seed: 3, p99: 2.0, peak: 104)]
        let stats = RepeatSummary.aggregate(runs)
        let byPath = Dictionary(stats.map { ($0.path, $0.stats) }, uniquingKeysWith: { a, _ in a })
        let peak = try #require(byPath["summary.rules.peak_total"])
        #expect(peak.n == 3 && peak.mean == 102 && peak.min == 100 && peak.max == 104)
        #expect(abs(peak.stddev - 2) < 1e-12, "sample stddev of 100, 102, 104 is 2")
        let p99 = try #require(byPath["summary.install_latency_ms.p99"])
        #expect(p99.n == 2 && p99.mean == 1.5 && abs(p99.stddev - 0.5.squareRoot()) < 1e-9)
        #expect(stats.first?.path == "summary.handovers", "first report's order")
        #expect(byPath["summary.controllers.c-s1.peak_messages_per_s"]?.mean == 12.5)
        #expect(MetricStats([]) == nil)
        #expect(MetricStats([7])?.stddev == 0)
        // The section written into report.json reads back.
        let rep = RepeatSummary(seeds: [1, 2, 3], reports: ["a", "b", "c"], requested: 3, complete: true, metrics: stats)
        let back = try #require(RepeatSummary(json: try JSON.parse(rep.json.pretty)))
        #expect(back.seeds == [1, 2, 3] && back.complete && back.metrics.count == stats.count)
        #expect(back.stats("summary.rules.peak_total") == peak)
        // Attached to the first report: the section comes last, `complete` says whether every run finished.
        let whole = rep.attach(to: runs[0])
        guard case let .object(fields) = whole else { Issue.record("not an object"); return }
        #expect(fields.last?.0 == "repeat" && whole["complete"] == .bool(true))
        let cut = RepeatSummary(seeds: [1, 2], reports: ["a", "b"], requested: 3, complete: false, metrics: stats)
        #expect(cut.attach(to: runs[0])["complete"] == .bool(false))
        #expect(rep.attach(to: makeReport(complete: false))["complete"] == .bool(false))
        #expect(try RunReport(json: cut.attach(to: runs[0])).repeatSummary?.requested == 3)
    }
}

@Suite("compare: thresholds")
struct ThresholdTests {
    @Test("glob patterns")
    func glob() {
        #expect(Glob.matches("summary.rules.per_switch_peak.*", "summary.rules.per_switch_peak.s1"))
        #expect(Glob.matches("*.p99", "summary.install_latency_ms.p99"))
        #expect(Glob.matches("summary.handover.*_ms.p9?", "summary.handover.outage_ms.p99"))
        #expect(!Glob.matches("summary.rules.per_switch_peak.*", "summary.rules.peak_total"))
        #expect(!Glob.matches("*.p99", "summary.install_latency_ms.p90"))
        #expect(Glob.matches("a*b*c", "a-xb-yc") && !Glob.matches("a*b*c", "a-xc-yb"))
        #expect(Glob.matches("exact", "exact") && !Glob.matches("exact", "exactly"))
    }

    @Test("parsing METRIC=PCT[+ABS] and off; bad text is an error")
    func parse() throws {
        let r = try ThresholdRule(parsing: "summary.rules.per_switch_peak.*=5")
        #expect(r.pattern == "summary.rules.per_switch_peak.*" && r.percent == 5 && r.slack == 0)
        let s = try ThresholdRule(parsing: "summary.rules.peak_total=0+3")
        #expect(s.percent == 0 && s.slack == 3 && s.label == "> base+3")
        #expect(try ThresholdRule(parsing: "x=12.5%").percent == 12.5)
        #expect(try ThresholdRule(parsing: "x=off").percent == nil)
        for bad in ["nothing", "=5", "x=", "x=-3", "x=ten", "x=5+y", "x=5+-1"] {
            #expect(throws: ThresholdSyntaxError.self) { try ThresholdRule(parsing: bad) }
        }
    }

    @Test("an override beats the default; the most specific pattern wins; the last of equals wins")
    func precedence() throws {
        #expect(ThresholdRules.rule(for: "summary.install_latency_ms.p99", overrides: [])?.percent == 10)
        #expect(ThresholdRules.rule(for: "summary.install_latency_ms.p50", overrides: []) == nil)
        let o = [try ThresholdRule(parsing: "*.p99=50"), try ThresholdRule(parsing: "summary.install_latency_ms.*=30")]
        #expect(ThresholdRules.rule(for: "summary.install_latency_ms.p99", overrides: o)?.percent == 30, "longer literal part")
        #expect(ThresholdRules.rule(for: "summary.handover.reachable_ms.p99", overrides: o)?.percent == 50)
        let exact = o + [try ThresholdRule(parsing: "summary.install_latency_ms.p99=1")]
        #expect(ThresholdRules.rule(for: "summary.install_latency_ms.p99", overrides: exact)?.percent == 1)
        let twice = [try ThresholdRule(parsing: "x=1"), try ThresholdRule(parsing: "x=2")]
        #expect(ThresholdRules.rule(for: "x", overrides: twice)?.percent == 2)
        // Overrides may add rules for metrics the defaults leave alone.
        #expect(ThresholdRules.rule(for: "summary.install_latency_ms.p50", overrides: [try ThresholdRule(parsing: "*.p50=5")])?.percent == 5)
    }
}

@Suite("compare: verdicts")
struct VerdictTests {
    @Test("identical reports pass; every default rule is checked")
    func identical() throws {
        let c = Comparator.compare(base: try report(makeReport()), candidate: try report(makeReport()))
        #expect(c.verdict == .pass && c.verdict.exitStatus == 0)
        #expect(c.rows.count == MetricFlattener.flatten(makeReport()["summary"]!, prefix: "summary").count)
        #expect(c.rows.first(where: { $0.path == "summary.rules.per_switch_peak.s2" })?.status == .ok)
        #expect(c.rows.first(where: { $0.path == "summary.install_latency_ms.p50" })?.status == .unruled)
    }

    @Test("regressions are flagged with the metric and the reason; improvements are not")
    func regressions() throws {
        let base = try report(makeReport())
        // +15 % p99, +5 % p90, one more lost packet, +3 rules at the peak, +50 long-distance messages.
        let worse = try report(makeReport(p99: 1.15, p90: 0.525, lost: 1, peak: 103, longDistance: 250))
        let c = Comparator.compare(base: base, candidate: worse)
        #expect(c.verdict == .regression && c.verdict.exitStatus == 1)
        let flagged = Set(c.regressions.map(\.path))
        #expect(flagged == ["summary.install_latency_ms.p99", "summary.packets.lost", "summary.packets.lost_by_cause.no_route",
                            "summary.rules.peak_total", "summary.messages.long_distance"])
        let p99 = try #require(c.rows.first { $0.path == "summary.install_latency_ms.p99" })
        #expect(abs((p99.changePercent ?? 0) - 15) < 1e-9)
        #expect(p99.reason?.contains("more than 10% above the base") == true)
        #expect(c.table().contains("REGRESSION"))
        // Two more rules at the peak is within the default allowance; so is +10 % exactly.
        let edge = try report(makeReport(p99: 1.1, peak: 102, messages: 1100))
        #expect(Comparator.compare(base: base, candidate: edge).verdict == .pass)
        let better = try report(makeReport(p99: 0.5, peak: 80, messages: 500))
        #expect(Comparator.compare(base: base, candidate: better).verdict == .pass)
        // A figure the candidate lost is worse.
        let lostValue = try report(makeReport(p99: nil))
        let lv = Comparator.compare(base: base, candidate: lostValue)
        #expect(lv.verdict == .regression && lv.regressions.map(\.path) == ["summary.install_latency_ms.p99"])
    }

    @Test("thresholds override the defaults: loosened, tightened, turned off, new rules")
    func overrides() throws {
        let base = try report(makeReport())
        let worse = try report(makeReport(p99: 1.15, peak: 101, switches: [("s1", 61), ("s2", 40)]))
        var o = CompareOptions()
        #expect(Comparator.compare(base: base, candidate: worse, options: o).verdict == .regression)
        o.overrides = [try ThresholdRule(parsing: "summary.install_latency_ms.p99=20")]
        #expect(Comparator.compare(base: base, candidate: worse, options: o).verdict == .pass)
        o.overrides.append(try ThresholdRule(parsing: "summary.rules.per_switch_peak.*=0"))
        let c = Comparator.compare(base: base, candidate: worse, options: o)
        #expect(c.regressions.map(\.path) == ["summary.rules.per_switch_peak.s1"])
        o.overrides = [try ThresholdRule(parsing: "summary.install_latency_ms.p99=off")]
        let off = Comparator.compare(base: base, candidate: worse, options: o)
        #expect(off.verdict == .pass && off.rows.first { $0.path == "summary.install_latency_ms.p99" }?.status == .off)
        o.overrides = [try ThresholdRule(parsing: "summary.handovers=0"), try ThresholdRule(parsing: "summary.no_such.*=1")]
        let more = try report(makeReport().setting("summary", makeReport()["summary"]!.setting("handovers", .integer(11))))
        let h = Comparator.compare(base: base, candidate: more, options: o)
        #expect(h.regressions.map(\.path) == ["summary.handovers"])
        #expect(h.unmatchedOverrides == ["summary.no_such.*"])
    }

    @Test("not comparable: inputs, scenario, controller, strategy, schema, incomplete, switches → exit 2")
    func notComparable() throws {
        let base = try report(makeReport())
        let cases: [(JSON, String)] = [
            (makeReport(mobility: String(repeating: "b", count: 64)), "different mobility input"),
            (makeReport(scenario: "other"), "different scenario name"),
            (makeReport(controller: "centralized"), "different controller mode"),
            (makeReport(strategy: "proactive"), "different handover strategy"),
            (makeReport().setting("schema", .string("fmc-report/2")), "schema is 'fmc-report/2'"),
            (makeReport(complete: false), "not complete"),
            (makeReport(switches: [("s1", 60), ("s3", 40)]), "different switches"),
            (makeReport(scenarioDigest: String(repeating: "d", count: 64)), "different scenario input"),
        ]
        for (json, why) in cases {
            let c = Comparator.compare(base: base, candidate: try report(json))
            #expect(c.verdict == .notComparable && c.verdict.exitStatus == 2, "\(why)")
            #expect(c.problems.contains { $0.contains(why) }, "\(why): \(c.problems)")
        }
        // Not comparable wins over a regression.
        let both = Comparator.compare(base: base, candidate: try report(makeReport(strategy: "proactive", p99: 9)))
        #expect(both.verdict == .notComparable)
    }

    @Test("--allow-scenario-change accepts a changed scenario file and lists the model's differences")
    func allowScenarioChange() throws {
        let base = try report(makeReport())
        let slower = try report(makeReport(scenarioDigest: String(repeating: "d", count: 64), p99: 2, installProfile: "fixed"))
        var o = CompareOptions()
        o.allowScenarioChange = true
        let c = Comparator.compare(base: base, candidate: slower, options: o)
        #expect(c.verdict == .regression)
        #expect(c.notes.contains { $0.contains("model.install_profile") && $0.contains("\"ovs\"") && $0.contains("\"fixed\"") })
        // It does not excuse other inputs.
        let otherTrace = try report(makeReport(mobility: String(repeating: "b", count: 64), scenarioDigest: String(repeating: "d", count: 64)))
        #expect(Comparator.compare(base: base, candidate: otherTrace, options: o).verdict == .notComparable)
    }

    @Test("repeats: noise within the spread is not flagged, a shift beyond it is")
    func repeats() throws {
        // Base p99 over three seeds 1.0, 1.2, 0.9; candidate 1.25, 1.05, 1.2: mean +15 % but inside the spread.
        let base = try repeated([makeReport(seed: 1, p99: 1.0, peak: 100), makeReport(seed: 2, p99: 1.2, peak: 101), makeReport(seed: 3, p99: 0.9, peak: 100)])
        let noisy = try repeated([makeReport(seed: 4, p99: 1.25, peak: 101), makeReport(seed: 5, p99: 1.05, peak: 100), makeReport(seed: 6, p99: 1.2, peak: 101)])
        let c = Comparator.compare(base: base, candidate: noisy)
        #expect(c.usedRepeats)
        #expect(c.verdict == .pass, "\(c.regressions.map(\.path))")
        let row = try #require(c.rows.first { $0.path == "summary.install_latency_ms.p99" })
        #expect(row.status == .noise && row.baseStats?.n == 3)
        #expect(c.table().contains("±"))
        // The same candidate as a single run is over the threshold and flagged: the spread is what saves it.
        let single = Comparator.compare(base: try report(makeReport(seed: 1, p99: 1.0)), candidate: try report(makeReport(seed: 4, p99: 1.25)))
        #expect(single.verdict == .regression)
        // Twice as slow, consistently: beyond the noise.
        let slow = try repeated([makeReport(seed: 4, p99: 2.0), makeReport(seed: 5, p99: 2.3), makeReport(seed: 6, p99: 1.9)])
        let s = Comparator.compare(base: base, candidate: slow)
        #expect(s.verdict == .regression && s.regressions.map(\.path) == ["summary.install_latency_ms.p99"])
        #expect(s.regressions[0].reason?.contains("beyond the noise") == true)
        // A metric with no spread on either side is judged by its threshold alone.
        let chatty = try repeated([makeReport(seed: 4, messages: 1200), makeReport(seed: 5, messages: 1200), makeReport(seed: 6, messages: 1200)])
        let m = Comparator.compare(base: base, candidate: chatty)
        #expect(m.regressions.map(\.path) == ["summary.messages.total"])
        // The bound: highest base run + k standard errors of the difference of the means.
        let b = MetricStats(n: 4, mean: 10, min: 9, max: 11, stddev: 2), cs = MetricStats(n: 4, mean: 12, min: 11, max: 13, stddev: 2)
        #expect(abs(Comparator.noiseBound(base: b, candidate: cs, k: 2) - (11 + 2 * 2.0.squareRoot())) < 1e-12)
        // An incomplete repeat is not comparable.
        var partial = try repeated([makeReport(seed: 1), makeReport(seed: 2)])
        partial.repeatSummary?.complete = false
        #expect(Comparator.compare(base: base, candidate: partial).verdict == .notComparable)
        // Repeats on one side only: the single runs are compared, and a note says so.
        let one = Comparator.compare(base: base, candidate: try report(makeReport(seed: 1, p99: 1.0)))
        #expect(!one.usedRepeats && one.verdict == .pass && one.notes.contains { $0.contains("only the base has repeated runs") })
    }

    @Test("--json output carries verdict, exit status, regressions and rows")
    func jsonOutput() throws {
        let c = Comparator.compare(base: try report(makeReport()), candidate: try report(makeReport(p99: 3)))
        let j = try JSON.parse(c.json.compact)
        #expect(j["verdict"]?.stringValue == "regression")
        #expect(j["exit_status"]?.numberValue == 1)
        guard case let .array(regs)? = j["regressions"], case let .array(rows)? = j["rows"] else { Issue.record("arrays missing"); return }
        #expect(regs.count == 1 && regs[0]["metric"]?.stringValue == "summary.install_latency_ms.p99")
        #expect(regs[0]["change_pct"]?.numberValue == 200)
        #expect(rows.count == c.rows.count)
    }
}
