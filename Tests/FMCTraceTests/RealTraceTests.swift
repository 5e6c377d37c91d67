// Mobility traces written by others: the CMU ns-2 scenarios of Debian's ns2-examples (fetched
// by scripts/fetch-test-data into $FMC_TEST_DATA, default /var/cache/fmc-test-data) and the
// committed SUMO sample, read without error and checked against values worked out from the
// raw lines in the test itself.
//
// The ns-2 tests run when the cache is READY, or when FMC_REQUIRE_TEST_DATA=1 (scripts/test
// sets it), in which case missing data is a failure rather than a skip.

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
    static let required = ProcessInfo.processInfo.environment["FMC_REQUIRE_TEST_DATA"] == "1"
    static let enabled = FileManager.default.fileExists(atPath: cache + "/READY") || required
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let examples = cache + "/deb/ns2-examples/usr/share/doc/ns2/examples"

    /// Every CMU scenario file of the package, as full paths: scene/scen-* first, then the
    /// other files in that format elsewhere in the examples (named scen-* or *scenario*,
    /// setting X_ of $node_(i) and moving nodes with setdest). A failure names the fix.
    static func sceneFiles() throws -> [String] {
        let scene = (try? FileManager.default.contentsOfDirectory(atPath: scenes))?.filter { $0.hasPrefix("scen-") }.sorted() ?? []
        try #require(scene.count >= 5, "CMU scenarios missing in \(scenes): run scripts/fetch-test-data")
        var files = scene.map { scenes + "/" + $0 }
        let others = (FileManager.default.enumerator(atPath: examples)?.allObjects as? [String] ?? []).sorted()
        for rel in others {
            let name = (rel as NSString).lastPathComponent
            let full = examples + "/" + rel
            guard name.hasPrefix("scen-") || name.contains("scenario"), !files.contains(full),
                  let t = try? text(full), t.contains("setdest"), t.contains(") set X_") else { continue }
            files.append(full)
        }
        return files
    }

    /// A file's text, gunzipped by gzip(1) (not by fmc) when it ends in .gz.
    static func text(_ path: String) throws -> String {
        guard path.hasSuffix(".gz") else { return try String(contentsOfFile: path, encoding: .utf8) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// An ns-2 scenario read from its raw lines with plain string splitting, independently of
/// NS2Reader, and its movement simulated the way ns-2 does it (direction and speed from each
/// setdest, stop on arrival), to check the reader's waypoints against.
struct RawScenario {
    var initial: [Int: (x: Double, y: Double)] = [:]
    var moves: [Int: [(t: Double, x: Double, y: Double, speed: Double)]] = [:]
    var commands = 0
    var skipped = 0

    init(_ text: String) {
        var xs: [Int: Double] = [:], ys: [Int: Double] = [:]
        func node(_ s: Substring) -> Int { Int(s.dropFirst("$node_(".count).dropLast())! }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.contains("god_") {
                skipped += 1
                continue
            }
            let words = line.replacingOccurrences(of: "\"", with: " ").split(separator: " ")
            if words[0] == "$ns_" {
                // $ns_ at T "$node_(i) setdest X Y S"
                moves[node(words[3]), default: []].append((Double(words[2])!, Double(words[5])!, Double(words[6])!, Double(words[7])!))
                commands += 1
            } else {
                // $node_(i) set X_ V
                let n = node(words[0])
                if words[2] == "X_" { xs[n] = Double(words[3])! }
                if words[2] == "Y_" { ys[n] = Double(words[3])! }
                commands += 1
            }
        }
        // A file ending in a newline has one empty "line" after it that no reader sees.
        if text.hasSuffix("\n") { skipped -= 1 }
        for (n, x) in xs { initial[n] = (x, ys[n]!) }
        // File order among equal times (a stable sort), as ns-2's scheduler keeps it.
        for (n, list) in moves {
            moves[n] = list.enumerated().sorted { ($0.element.t, $0.offset) < ($1.element.t, $1.offset) }.map(\.element)
        }
    }

    /// Where node n is at time t, by ns-2's rule: each setdest sets a direction and speed
    /// from the current position; the node stops when it reaches the destination.
    func position(_ n: Int, at t: Double) -> (x: Double, y: Double) {
        var (x, y) = initial[n]!
        var since = 0.0
        var target: (x: Double, y: Double, speed: Double)?
        func advance(to now: Double) {
            guard let g = target, g.speed > 0 else { return }
            let dx = g.x - x, dy = g.y - y
            let d = (dx * dx + dy * dy).squareRoot()
            let travel = g.speed * (now - since)
            if travel >= d { (x, y) = (g.x, g.y); target = nil } else if d > 0 { x += dx / d * travel; y += dy / d * travel }
        }
        for m in moves[n] ?? [] where m.t <= t {
            advance(to: m.t)
            since = m.t
            target = (m.x, m.y, m.speed)
        }
        advance(to: t)
        return (x, y)
    }
}

@Suite("real mobility traces")
struct RealTraceTests {
    @Test("every CMU scenario: nodes, commands and skipped lines as counted from its lines, no error, waypoints per node in time order",
          .enabled(if: RealTraces.enabled))
    func cmu() throws {
        let files = try RealTraces.sceneFiles()
        #expect(files.count >= 7)
        for path in files {
            let f = (path as NSString).lastPathComponent
            let raw = RawScenario(try RealTraces.text(path))
            let r = try NS2Reader(path: path)
            #expect(r.format == .ns2 && !r.timeOrdered)
            // Nodes named by index, in numeric order (scen-...-2 numbers them 1...50).
            #expect(r.nodes.names == raw.initial.keys.sorted().map(String.init), "\(f)")
            var seen = Set<Int>()
            var current = -1
            var last = Int64.min
            var waypoints = 0
            while let rec = try r.next() {
                guard case let .waypoint(n, t, p) = rec else { Issue.record("\(f): not a waypoint: \(rec)"); break }
                if n != current {
                    #expect(!seen.contains(n), "\(f): node \(n) not contiguous")
                    seen.insert(n)
                    current = n
                    // Each node starts at time 0 at its initial position.
                    let start = raw.initial[Int(r.nodes.names[n])!]!
                    #expect(t == 0 && p.x == start.x && p.y == start.y && p.z == 0, "\(f) node \(r.nodes.names[n])")
                } else {
                    #expect(t >= last, "\(f): node \(n) goes back in time")
                }
                last = t
                waypoints += 1
            }
            #expect(seen.count == raw.initial.count)
            #expect(r.records == raw.commands, "\(f)")
            #expect(r.skippedLines == raw.skipped, "\(f)")
            #expect(waypoints >= raw.initial.count)
            // scen-WxH-NODES-PAUSE-SPEED-SEED: the node count is the third field; the other
            // files say it in a "# nodes: N," comment.
            let parts = f.split(separator: "-")
            if f.hasPrefix("scen-"), parts.count >= 3, let nodes = Int(parts[2]) { #expect(r.nodes.count == nodes, "\(f)") }
            if let c = try RealTraces.text(path).firstMatch(of: #/# nodes: (\d+),/#), let nodes = Int(c.1) {
                #expect(r.nodes.count == nodes, "\(f)")
            }
        }
    }

    @Test("every CMU scenario: every node's position every 7 s agrees with ns-2's rule applied to the raw lines",
          .enabled(if: RealTraces.enabled))
    func positions() throws {
        for path in try RealTraces.sceneFiles() {
            let f = (path as NSString).lastPathComponent
            let raw = RawScenario(try RealTraces.text(path))
            let r = try NS2Reader(path: path)
            var tracks: [Int: [(Int64, Position)]] = [:]
            while let rec = try r.next() {
                if case let .waypoint(n, t, p) = rec { tracks[Int(r.nodes.names[n])!, default: []].append((t, p)) }
            }
            // Through the last command and the last arrival, and a little beyond.
            let lastCommand = raw.moves.values.flatMap { $0.map(\.t) }.max() ?? 0
            let lastWaypoint = Double(tracks.values.compactMap { $0.last?.0 }.max() ?? 0) / 1e9
            let end = max(lastCommand, lastWaypoint) + 50
            var worst = 0.0
            var compared = 0
            for (n, track) in tracks {
                for step in stride(from: 0.0, through: end, by: 7) {
                    let want = raw.position(n, at: step)
                    let got = try #require(positionAt(nanos(step), track))
                    worst = max(worst, abs(got.x - want.x), abs(got.y - want.y))
                    compared += 1
                }
            }
            #expect(worst < 1e-6, "\(f): worst deviation \(worst) m over \(compared) samples")
            #expect(compared >= tracks.count * 5)
        }
    }

    @Test("hand-checked positions from literal lines of four scenarios", .enabled(if: RealTraces.enabled))
    func handChecked() throws {
        func track(_ file: String, _ node: String) throws -> [(Int64, Position)] {
            let r = try NS2Reader(path: RealTraces.scenes + "/" + file)
            var out: [(Int64, Position)] = []
            while let rec = try r.next() {
                if case let .waypoint(n, t, p) = rec, r.nodes.names[n] == node { out.append((t, p)) }
            }
            return out
        }
        func along(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ metres: Double) -> (Double, Double) {
            let d = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
            return (x0 + (x1 - x0) * metres / d, y0 + (y1 - y0) * metres / d)
        }
        func check(_ file: String, _ node: String, _ t: Double, _ want: (Double, Double)) throws {
            let p = try #require(positionAt(nanos(t), try track(file, node)), "\(file) node \(node)")
            #expect(abs(p.x - want.0) < 1e-6 && abs(p.y - want.1) < 1e-6, "\(file) node \(node) at \(t) s: \(p) vs \(want)")
        }
        // scen-3-test (events out of order). Node 2 starts at (591.256560093833, 199.373306816804)
        // and at 50 s heads to (369.463244915743, 170.519203111152) at 3.371785899154 m/s.
        try check("scen-3-test", "2", 60, along(591.256560093833, 199.373306816804, 369.463244915743, 170.519203111152, 3.371785899154 * 10))
        try check("scen-3-test", "2", 40, (591.256560093833, 199.373306816804))
        // Node 0: from (83.364418416244, 239.438009831261) at 33 s to (89.663708107313,
        // 283.494644426442) at 19.153832288917 m/s, 44.5 m away: there by 36 s, and stays.
        try check("scen-3-test", "0", 34, along(83.364418416244, 239.438009831261, 89.663708107313, 283.494644426442, 19.153832288917))
        try check("scen-3-test", "0", 36, (89.663708107313, 283.494644426442))
        // scen-670x670-50-600-20-0: node 7 waits 600 s at (132.084369015466, 294.412399870828),
        // then heads to (574.017629269022, 614.478674854536) at 10.606522750763 m/s.
        try check("scen-670x670-50-600-20-0.gz", "7", 625,
                  along(132.084369015466, 294.412399870828, 574.017629269022, 614.478674854536, 10.606522750763 * 25))
        // scen-670x670-50-600-20-2 lists node 50's stop (652.47 s) before its start (600 s).
        try check("scen-670x670-50-600-20-2.gz", "50", 620,
                  along(527.806801757765, 447.636659418650, 38.100321061807, 404.808627296669, 9.367627049007 * 20))
        // scen-1500x300-60-0-20-2: node 59 leaves (1256.478678953858, 127.431658428622) at 0 s for
        // (1491.789063821868, 299.759395497749) at 10.410693105883 m/s; 291.7 m, so it arrives at
        // 28.0158 s, when its next setdest sends it to (1146.049287410518, 30.074905057748) at
        // 17.928622148883 m/s.
        try check("scen-1500x300-60-0-20-2.gz", "59", 10,
                  along(1256.478678953858, 127.431658428622, 1491.789063821868, 299.759395497749, 10.410693105883 * 10))
        try check("scen-1500x300-60-0-20-2.gz", "59", 40,
                  along(1491.789063821868, 299.759395497749, 1146.049287410518, 30.074905057748, 17.928622148883 * (40 - 28.015799672199)))
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
