// Positions to attachments on scenes whose answers are worked out by hand: exact crossing
// times, margin and dwell hysteresis, coverage gaps, vanishing nodes, time order across nodes.

import FMCCore
import FMCScenario
import Testing

@testable import FMCTrace

/// A reader over a fixed list of records, for tests of what consumes readers.
final class ListReader: MobilityReader {
    let path = "list"
    let format: MobilityFormat
    let nodes = NodeTable()
    let coordinates: Coordinates
    let timeOrdered: Bool
    var records = 0
    let skippedLines = 0
    private var items: [MobilityRecord]

    init(_ items: [MobilityRecord], format: MobilityFormat = .positions, timeOrdered: Bool = true,
         coordinates: Coordinates = .cartesian, names: [String] = ["n0", "n1", "n2"]) {
        self.items = items
        self.format = format
        self.timeOrdered = timeOrdered
        self.coordinates = coordinates
        for n in names { _ = nodes.intern(n) }
    }

    func next() throws -> MobilityRecord? {
        guard !items.isEmpty else { return nil }
        records += 1
        return items.removeFirst()
    }
}

func scenario(_ aps: [(String, String, Double, Double, Double)], margin: Double = 0, dwellNs: Int64 = 0) -> Scenario {
    var s = Scenario()
    var byNetwork: [String: [AccessPoint]] = [:]
    var order: [String] = []
    for (network, name, x, y, r) in aps {
        if byNetwork[network] == nil { order.append(network) }
        byNetwork[network, default: []].append(AccessPoint(name: name, x: x, y: y, radius: r))
    }
    for (i, n) in order.enumerated() {
        s.networks.append(AccessNetwork(name: n, prefix: IPPrefix("198.18.\(i + 1).0/24")!, switchID: "s\(i)", site: n,
                                        accessPoints: byNetwork[n]!))
    }
    s.attachment = AttachmentSettings(marginMetres: margin, minimumDwellNs: dwellNs)
    return s
}

func wp(_ node: Int, _ seconds: Double, _ x: Double, _ y: Double = 0) -> MobilityRecord {
    .waypoint(node: node, timeNs: Int64((seconds * 1e9).rounded()), position: Position(x: x, y: y))
}

func events(_ s: Scenario, _ records: [MobilityRecord], timeOrdered: Bool = true) throws -> [AttachmentEvent] {
    let stream = try AttachmentStream(reader: ListReader(records, timeOrdered: timeOrdered), scenario: s)
    var out: [AttachmentEvent] = []
    while let e = try stream.next() { out.append(e) }
    return out
}

func ev(_ seconds: Double, _ node: Int, _ network: String?, _ point: String?) -> AttachmentEvent {
    AttachmentEvent(timeNs: Int64((seconds * 1e9).rounded()), node: node, network: network, point: point)
}

let twoCells = [("A", "a", 0.0, 0.0, 100.0), ("B", "b", 150.0, 0.0, 100.0)]

@Suite("positions to attachments")
struct AttachmentEngineTests {
    @Test("without hysteresis the switch is at the equidistant point, detach at the edge")
    func exactCrossings() throws {
        // 10 m/s along x from -50: equidistant at x = 75 (t = 12.5 s), B's edge at x = 250 (t = 30 s).
        let e = try events(scenario(twoCells), [wp(0, 0, -50), wp(0, 35, 300)])
        #expect(e == [ev(0, 0, "A", "a"), ev(12.5, 0, "B", "b"), ev(30, 0, nil, nil)])
    }

    @Test("margin and dwell delay the switch exactly")
    func hysteresis() throws {
        // Margin 10 m: d_A - d_B = 10 at x = 80, t = 13 s; dwell 1 s: switch at 14 s.
        let e = try events(scenario(twoCells, margin: 10, dwellNs: 1_000_000_000), [wp(0, 0, -50), wp(0, 20, 150)])
        #expect(e == [ev(0, 0, "A", "a"), ev(14, 0, "B", "b")])
    }

    @Test("a dwell spans legs, and a break in the condition cancels it")
    func dwellAcrossLegs() throws {
        let s = scenario(twoCells, margin: 10, dwellNs: 2_000_000_000)
        // Enters the B-better zone (x > 80) at t = 13 s, stays on 8 legs of 0.25 s, switches at 15 s.
        var r = [wp(0, 0, -50)]
        for k in 0...8 { r.append(wp(0, 13 + 0.25 * Double(k), 80 + 0.5 * Double(k))) }
        #expect(try events(s, r) == [ev(0, 0, "A", "a"), ev(15, 0, "B", "b")])
        // Goes in for 1 s and back out: no switch.
        let flap = [wp(0, 0, 70), wp(0, 1, 90), wp(0, 2, 70), wp(0, 3, 90), wp(0, 4, 70)]
        #expect(try events(s, flap) == [ev(0, 0, "A", "a")])
    }

    @Test("losing coverage switches at once to whatever covers the node")
    func coverageLoss() throws {
        let s = scenario([("A", "a", 0, 0, 60), ("B", "b", 150, 0, 100)], margin: 20, dwellNs: 5_000_000_000)
        // A's edge at x = 60 (t = 11 s): B covers it already, so switch then, margin and dwell notwithstanding.
        #expect(try events(s, [wp(0, 0, -50), wp(0, 20, 150)]) == [ev(0, 0, "A", "a"), ev(11, 0, "B", "b")])
    }

    @Test("a gap between cells detaches and reattaches at the exact edges")
    func gap() throws {
        let s = scenario([("A", "a", 0, 0, 50), ("B", "b", 200, 0, 50)])
        #expect(try events(s, [wp(0, 0, 0), wp(0, 20, 200)])
                == [ev(0, 0, "A", "a"), ev(5, 0, nil, nil), ev(15, 0, "B", "b")])
    }

    @Test("two cells of one network: a cell change, not a handover; vanish detaches")
    func cellsAndVanish() throws {
        let s = scenario([("A", "a1", 0, 0, 100), ("A", "a2", 150, 0, 100), ("B", "b", 400, 0, 100)])
        let stream = try AttachmentStream(reader: ListReader([wp(0, 0, 0), wp(0, 30, 300), .vanish(node: 0, timeNs: 40_000_000_000)]), scenario: s)
        var out: [AttachmentEvent] = []
        while let e = try stream.next() { out.append(e) }
        #expect(out == [ev(0, 0, "A", "a1"), ev(7.5, 0, "A", "a2"), ev(25, 0, nil, nil), ev(30, 0, "B", "b"), ev(40, 0, nil, nil)])
        #expect(stream.stats.handovers == 1)
        #expect(stream.stats.cellChanges == 1)
        #expect(stream.stats.networksVisited == ["A", "B"])
    }

    @Test("events of several nodes come out in time order, streamed or sorted")
    func ordering() throws {
        let s = scenario(twoCells)
        let records = [wp(0, 0, -50), wp(1, 0, 200), wp(0, 10, 50), wp(1, 10, 100), wp(0, 20, 150), wp(1, 20, -50)]
        let streamed = try events(s, records)
        #expect(streamed.map(\.timeNs) == streamed.map(\.timeNs).sorted())
        // Per node, grouped (as ns-2 and BonnMotion readers give them): same events.
        let grouped = [records[0], records[2], records[4], records[1], records[3], records[5]]
        #expect(try events(s, grouped, timeOrdered: false) == streamed)
        #expect(streamed.contains(ev(12.5, 0, "B", "b")))
        #expect(streamed.contains(AttachmentEvent(timeNs: 11_666_666_667, node: 1, network: "A", point: "a")))  // x = 75 at 10 + 25/15 s
    }

    @Test("geographic traces: lon/lat positions against access points in degrees, radius in metres")
    func geographic() throws {
        // Two cells 0.01° of longitude apart at the equator (≈ 1113 m), radius 600 m.
        let s = scenario([("A", "a", 0, 0, 600), ("B", "b", 0.01, 0, 600)])
        let stream = try AttachmentStream(
            reader: ListReader([wp(0, 0, -0.002), wp(0, 100, 0.012)], coordinates: .geographic), scenario: s)
        var out: [AttachmentEvent] = []
        while let e = try stream.next() { out.append(e) }
        #expect(out.count == 2)
        // Equidistant at lon 0.005: t = 0.007 / 0.014 * 100 s = 50 s.
        #expect(abs(Double(out[1].timeNs) / 1e9 - 50) < 0.01)
    }

    @Test("attachment traces map names through the scenario and reject unknown ones with the line")
    func attachmentNames() throws {
        let s = scenario(twoCells)
        let ok = try AttachmentStream(reader: ListReader([
            .attach(node: 0, timeNs: 1, point: "A", cell: "x", line: 2),
            .attach(node: 0, timeNs: 2, point: "b", cell: nil, line: 3),
            .attach(node: 0, timeNs: 3, point: "b", cell: nil, line: 4),
            .detach(node: 0, timeNs: 4, line: 5),
        ], format: .attachments), scenario: s)
        var out: [AttachmentEvent] = []
        while let e = try ok.next() { out.append(e) }
        #expect(out == [AttachmentEvent(timeNs: 1, node: 0, network: "A", point: "x"),
                        AttachmentEvent(timeNs: 2, node: 0, network: "B", point: "b"),
                        AttachmentEvent(timeNs: 4, node: 0, network: nil, point: nil)])
        let bad = try AttachmentStream(reader: ListReader([.attach(node: 0, timeNs: 1, point: "Z", cell: nil, line: 7)],
                                                          format: .attachments), scenario: s)
        #expect(throws: InputError.self) { _ = try bad.next() }
        do { _ = try AttachmentStream(reader: ListReader([.attach(node: 0, timeNs: 1, point: "Z", cell: nil, line: 7)], format: .attachments), scenario: s).next() }
        catch let e as InputError { #expect(e.place == .line(7, column: nil)) }
        // Positions without a scenario: an error, not a guess.
        #expect(throws: InputError.self) { _ = try AttachmentStream(reader: ListReader([]), scenario: nil) }
    }

    @Test("positions sampled at a fixed step, stationary nodes to the end of the trace")
    func sampling() throws {
        let sampler = PositionSampler(reader: ListReader([wp(0, 0, 0), wp(1, 0.5, 7), wp(0, 10, 100), wp(1, 12.25, 9)]),
                                      stepNs: 1_000_000_000)
        var out: [PositionSample] = []
        while let s = try sampler.next() { out.append(s) }
        let n0 = out.filter { $0.node == 0 }
        #expect(n0.map(\.timeNs) == (0...12).map { Int64($0) * 1_000_000_000 })
        #expect(n0[3].position.x == 30)
        #expect(n0[12].position.x == 100)
        let n1 = out.filter { $0.node == 1 }
        #expect(n1.first?.timeNs == 1_000_000_000)
        #expect(abs(n1[0].position.x - (7 + 2 * 0.5 / 11.75)) < 1e-9)
        #expect(out.map(\.timeNs) == out.map(\.timeNs).sorted())
    }
}
