// Mobility traces written by others: the CMU ns-2 scenarios of Debian's ns2-examples (fetched
// by scripts/fetch-test-data) and the committed SUMO sample, read without error and checked
// against values worked out from the raw lines in the test itself.

import FMCCore
import FMCScenario
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@testable import FMCTrace

enum RealTraces {
    static let cache = ProcessInfo.processInfo.environment["FMC_TEST_DATA"] ?? "/var/cache/fmc-test-data"
    static let scenes = cache + "/deb/ns2-examples/usr/share/doc/ns2/examples/tcl/mobility/scene"
    static let enabled = FileManager.default.fileExists(atPath: scenes)
        || ProcessInfo.processInfo.environment["FMC_REQUIRE_TEST_DATA"] == "1"
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Suite("real mobility traces")
struct RealTraceTests {
    @Test("every CMU scenario reads, with the node count its name gives", .enabled(if: RealTraces.enabled))
    func cmu() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: RealTraces.scenes).filter { $0.hasPrefix("scen-") }.sorted()
        #expect(files.count >= 5)
        for f in files {
            let r = try MobilityTrace.open(RealTraces.scenes + "/" + f)
            #expect(r.format == .ns2, "\(f)")
            var n = 0
            while try r.next() != nil { n += 1 }
            #expect(n > 0)
            // scen-WxH-NODES-PAUSE-SPEED-SEED: the node count is the third field.
            let parts = f.split(separator: "-")
            if parts.count >= 3, let nodes = Int(parts[2]) { #expect(r.nodes.count == nodes, "\(f)") }
        }
    }

    @Test("scen-3-test (events out of order): positions at 1 s steps match a calculation from its lines", .enabled(if: RealTraces.enabled))
    func scen3() throws {
        let r = try MobilityTrace.open(RealTraces.scenes + "/scen-3-test")
        let s = PositionSampler(reader: r, stepNs: 1_000_000_000)
        var at: [String: Position] = [:]
        while let p = try s.next() { if p.timeNs == 60_000_000_000 { at[r.nodes.names[p.node]] = p.position } }
        // Node 2 starts at (591.256560093833, 199.373306816804) and at 50 s heads to
        // (369.463244915743, 170.519203111152) at 3.371785899154 m/s: at 60 s it has gone 33.718 m.
        let (x0, y0, x1, y1, v) = (591.256560093833, 199.373306816804, 369.463244915743, 170.519203111152, 3.371785899154)
        let d = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
        let f = v * 10 / d
        let p = try #require(at["2"])
        #expect(abs(p.x - (x0 + (x1 - x0) * f)) < 1e-6)
        #expect(abs(p.y - (y0 + (y1 - y0) * f)) < 1e-6)
    }

    @Test("the committed SUMO sample: every sample agrees with Foundation's XML parser, and it joins the sample scenario")
    func sumoSample() throws {
        let path = RealTraces.repo.appendingPathComponent("Traces/sample-fcd.xml").path
        final class Collect: NSObject, XMLParserDelegate {
            var time = 0.0
            var samples: [(Double, String, Double, Double)] = []
            func parser(_ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String]) {
                if e == "timestep" { time = Double(a["time"]!)! }
                if e == "vehicle" { samples.append((time, a["id"]!, Double(a["x"]!)!, Double(a["y"]!)!)) }
            }
        }
        let c = Collect()
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        parser.delegate = c
        #expect(parser.parse())
        let r = try MobilityTrace.open(path)
        var ours: [(Double, String, Double, Double)] = []
        while let rec = try r.next() {
            if case let .waypoint(n, t, p) = rec { ours.append((Double(t) / 1e9, r.nodes.names[n], p.x, p.y)) }
        }
        #expect(ours.count == c.samples.count)
        for (a, b) in zip(ours, c.samples) {
            #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3)
        }
        let scenario = try ScenarioLoader.load(path: RealTraces.repo.appendingPathComponent("Traces/sample-scenario.yaml").path)
        let stream = try AttachmentStream(reader: try MobilityTrace.open(path), scenario: scenario)
        var events = 0
        while try stream.next() != nil { events += 1 }
        #expect(stream.stats.handovers > 10)
        #expect(stream.stats.networksVisited == ["A", "B", "C"])
    }
}
