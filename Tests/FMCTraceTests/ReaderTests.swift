// Every mobility format on fixtures written here: what each reader yields, how the format is
// recognised from content, and that bad input is an error naming the file and the line,
// with the records before it kept.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

/// Reads until the error; returns what came before and the error.
func untilError(_ path: String, _ format: MobilityFormat? = nil, _ options: MobilityOptions = MobilityOptions()) -> ([MobilityRecord], InputError?) {
    var out: [MobilityRecord] = []
    do {
        let r = try MobilityTrace.open(path, format: format, options: options)
        while let x = try r.next() { out.append(x) }
        return (out, nil)
    } catch {
        return (out, error as? InputError)
    }
}

func wpt(_ n: Int, _ s: Double, _ x: Double, _ y: Double, _ z: Double = 0) -> MobilityRecord {
    .waypoint(node: n, timeNs: Int64((s * 1e9).rounded()), position: Position(x: x, y: y, z: z))
}

@Suite("mobility readers")
struct ReaderTests {
    @Test("attachment CSV: any column order, seconds or ISO 8601, detach, cell")
    func attachments() throws {
        let d = Scratch()
        let p = d.file("a.csv", "Node,Time,Cell,Network\nmn,0.5,c1,A\nmn,2026-11-25T06:23:01.25Z,,B\nx,1795587781.5,,\nmn,1795587790,c9,none\n")
        let r = try MobilityTrace.open(p)
        #expect(r.format == .attachments)
        let recs = try drain(r)
        #expect(recs[0] == .attach(node: 0, timeNs: 500_000_000, point: "A", cell: "c1", line: 2))
        #expect(recs[1] == .attach(node: 0, timeNs: 1_795_587_781_250_000_000, point: "B", cell: nil, line: 3))
        #expect(recs[2] == .detach(node: 1, timeNs: 1_795_587_781_500_000_000, line: 4))
        #expect(recs[3] == .detach(node: 0, timeNs: 1_795_587_790_000_000_000, line: 5))
        #expect(parseISO8601("2026-11-25T07:23:01+01:00") == parseISO8601("2026-11-25T06:23:01Z"))
    }

    @Test("position CSV in metres and in degrees")
    func positions() throws {
        let d = Scratch()
        let xy = try MobilityTrace.open(d.file("p.csv", "time,node,x,y,z\n0,a,1,2,3\n1.5,b,-4,5.5,0\n"))
        #expect(xy.format == .positions && xy.coordinates == .cartesian)
        #expect(try drain(xy) == [wpt(0, 0, 1, 2, 3), wpt(1, 1.5, -4, 5.5)])
        let geo = try MobilityTrace.open(d.file("g.csv", "time,node,lon,lat\n0,a,2.35,48.85\n"))
        #expect(geo.coordinates == .geographic)
        #expect(try drain(geo) == [wpt(0, 0, 2.35, 48.85)])
    }

    @Test("ns-2: initial positions, setdest legs, overriding setdest, out-of-order events, jumps")
    func ns2() throws {
        let d = Scratch()
        let p = d.file("s.tcl", """
            set god_ [God instance]
            # a comment
            $ns_ at 10.0 "$node_(0) setdest 100.0 0.0 5.0"
            $node_(0) set X_ 0.0
            $node_(0) set Y_ 0.0
            $node_(0) set Z_ 0.0
            $ns_ at 5.0 "$node_(1) setdest 0.0 30.0 10.0"
            $node_(1) set X_ 0.0
            $node_(1) set Y_ 0.0
            $ns_ at 2.0 "$node_(0) setdest 0.0 50.0 10.0"
            $god_ set-dist 0 1 1
            $ns_ at 7.0 "$node_(1) set X_ 9.0"

            """)
        let r = try MobilityTrace.open(p)
        #expect(r.format == .ns2 && !r.timeOrdered)
        let recs = try drain(r)
        // Node 0: at 2 s heads to (0,50) at 10 m/s, arrives at 7 s; at 10 s heads to (100,0) at
        // 5 m/s from (0,50): distance √12500 ≈ 111.80 m, arrival 10 + 22.36 s.
        let arrival = 10 + (12500.0).squareRoot() / 5
        #expect(Array(recs.prefix(5)) == [wpt(0, 0, 0, 0), wpt(0, 2, 0, 0), wpt(0, 7, 0, 50), wpt(0, 10, 0, 50), wpt(0, arrival, 100, 0)])
        // Node 1: heads to (0,30) at 10 m/s from 5 s, cut at 7 s (at (0,20)) by a jump of X to 9.
        #expect(Array(recs.dropFirst(5)) == [wpt(1, 0, 0, 0), wpt(1, 5, 0, 0), wpt(1, 7, 0, 20), wpt(1, 7, 9, 20)])
        #expect(r.skippedLines == 3)
    }

    @Test("BonnMotion, 2-D with params and 3-D inferred, gzip")
    func bonnmotion() throws {
        let d = Scratch()
        _ = d.file("rw.params", "model=RandomWaypoint\nx=200.0\ny=200.0\nnn=2\n")
        let p = try d.gzipped("rw.movements", "0.0 10.0 20.0 5.0 30.0 40.0\n0.0 1.0 1.0\n")
        let r = try MobilityTrace.open(p, format: .bonnmotion)
        let recs = try drain(r)
        #expect(recs == [wpt(0, 0, 10, 20), wpt(0, 5, 30, 40), wpt(1, 0, 1, 1)])
        #expect((r as? BonnMotionReader)?.parameters["model"] == "RandomWaypoint")
        let three = try MobilityTrace.open(d.file("x.movements", "0 1 2 3 4 5 6 7\n"), format: .bonnmotion)
        #expect(try drain(three) == [wpt(0, 0, 1, 2, 3), wpt(0, 4, 5, 6, 7)])
    }

    @Test("SUMO FCD: vehicles, persons and containers stream, vanish when they leave; comments and odd spacing")
    func sumo() throws {
        let d = Scratch()
        let p = try d.gzipped("f.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- generated
                 by sumo, with a > inside the comment -->
            <fcd-export xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <timestep time="0.00">
                <vehicle id="veh0" x="10.50" y="-3.25" angle="90" type="DEFAULT" speed="0"/>
                <person id='veh0' y='1' x='2' />
              </timestep>
              <timestep time="1.00">
                <vehicle
                   id="veh0" x="20.00" y="-3.25"></vehicle>
                <container id="c1" x="1e2" y="5"/>
              </timestep>
              <timestep time="2.00"/>
            </fcd-export>

            """)
        let r = try MobilityTrace.open(p)
        #expect(r.format == .sumo)
        let recs = try drain(r)
        #expect(r.nodes.names == ["veh0", "person:veh0", "container:c1"])
        // The person is missing from the second step: it vanishes then (time order kept).
        #expect(recs == [wpt(0, 0, 10.5, -3.25), wpt(1, 0, 2, 1),
                         wpt(0, 1, 20, -3.25), wpt(2, 1, 100, 5), .vanish(node: 1, timeNs: 1_000_000_000),
                         .vanish(node: 0, timeNs: 2_000_000_000), .vanish(node: 2, timeNs: 2_000_000_000)])
        let geo = try MobilityTrace.open(d.file("g.xml", "<fcd-export><timestep time=\"0\"><vehicle id=\"a\" lon=\"13.4\" lat=\"52.5\"/></timestep></fcd-export>"))
        _ = try drain(geo)
        #expect(geo.coordinates == .geographic)
    }

    @Test("ONE external movement")
    func one() throws {
        let d = Scratch()
        let r = try MobilityTrace.open(d.file("m.txt", "0 100 0 500 0 400\n0 n1 1.5 2.5\n10 n1 3 4\n"))
        #expect(r.format == .one)
        #expect(try drain(r) == [wpt(0, 0, 1.5, 2.5), wpt(0, 10, 3, 4)])
    }

    @Test("Wi-Fi association logs of two vendors, each with its own pattern")
    func wifi() throws {
        let d = Scratch()
        let cisco = d.file("cisco.log", """
            Nov 25 06:23:01 AcadBldg10AP3 4528: %DOT11-6-ASSOC: Interface Dot11Radio0, Station 00:11:22:AA:BB:CC Associated KEY_MGMT[NONE]
            Nov 25 06:23:05 AcadBldg10AP3 4529: %DOT11-6-DISASSOC: Interface Dot11Radio0, Deauthenticating Station 00:11:22:aa:bb:cc Reason: Sending station has left the BSS
            Nov 25 06:23:09 ResBldg2AP1 77: %DOT11-6-ROAMED: Station 00:11:22:aa:bb:cc Roamed to 0a0b.0c0d.0e0f
            Nov 25 06:23:10 ResBldg2AP1 78: %LINK-3-UPDOWN: Interface Dot11Radio0, changed state to up

            """)
        var o = MobilityOptions()
        o.wifiYear = 2026
        let r = try MobilityTrace.open(cisco, options: o)
        #expect(r.format == .wifi)
        let t0 = parseISO8601("2026-11-25T06:23:01Z")!
        #expect(try drain(r) == [.attach(node: 0, timeNs: t0, point: "AcadBldg10AP3", cell: nil, line: 1),
                               .detach(node: 0, timeNs: t0 + 4_000_000_000, line: 2),
                               .attach(node: 0, timeNs: t0 + 8_000_000_000, point: "ResBldg2AP1", cell: nil, line: 3)])
        #expect(r.skippedLines == 1)
        // An Aruba-style controller log: the event words come before the MAC, the AP name inside.
        let aruba = d.file("aruba.log", """
            2026-11-25T06:30:00Z wlc-1 stm[1234]: <501095> <NOTI> |AP ap-12@10.0.0.12 stm| Assoc success @ 06:30:00: 10:20:30:40:50:60
            2026-11-25T06:31:00Z wlc-1 stm[1234]: <501080> <NOTI> |AP ap-13@10.0.0.13 stm| Deauth from sta: 10:20:30:40:50:60

            """)
        var a = MobilityOptions()
        a.wifiPattern = #"^(?<time>\S+) \S+ .*\|AP (?<ap>[^@ ]+)@.*\| (?<type>Assoc success|Reassoc success|Deauth|Disassoc)\b.*?(?<client>(?:[0-9a-f]{2}:){5}[0-9a-f]{2})"#
        let ar = try MobilityTrace.open(aruba, format: .wifi, options: a)
        let recs = try drain(ar)
        #expect(recs.count == 2)
        #expect(recs.first == .attach(node: 0, timeNs: parseISO8601("2026-11-25T06:30:00Z")!, point: "ap-12", cell: nil, line: 1))
        #expect(ar.nodes.names == ["10:20:30:40:50:60"])
        var bad = MobilityOptions()
        bad.wifiPattern = "(?<time>x)"
        #expect(throws: InputError.self) { _ = try MobilityTrace.open(aruba, format: .wifi, options: bad) }
    }

    @Test("bad input in every format names the file and the line and keeps what came before")
    func errors() throws {
        let d = Scratch()
        let cases: [(String, String, MobilityFormat?, Int, String, Int)] = [
            ("a1.csv", "time,node,network\n1,a,A\nzz,a,B\n", nil, 3, "neither seconds", 1),
            ("a2.csv", "time,node,network\n5,a,A\n4,a,B\n", nil, 3, "backwards", 1),
            ("a3.csv", "time,node\n1,a\n", .attachments, 1, "missing: network", 0),
            ("a4.csv", "time,node,network\n1,a,A\n2,a\n", nil, 3, "expected 3 fields", 1),
            ("p1.csv", "time,node,x,y\n0,a,1,2\n1,a,one,2\n", nil, 3, "not a number", 1),
            ("p2.csv", "time,node,lon,lat\n0,a,200,2\n", nil, 2, "outside", 0),
            ("n1.tcl", "$node_(0) set X_ 1\n$node_(0) set Y_ 1\n$ns_ at 1 \"$node_(0) setdest 1 2 -3\"\n", nil, 3, "negative", 0),
            ("n2.tcl", "$ns_ at 1 \"$node_(4) setdest 1 2 3\"\n", nil, 1, "no initial", 0),
            ("n3.tcl", "$node_(0) set X_ 1\n$node_(x) set Y_ 1\n", .ns2, 2, "$node_(i)", 0),
            ("b1.movements", "0 1 2 3 4\n", .bonnmotion, 1, "waypoints", 0),
            ("b2.movements", "0 1 2\n5 1 2 3 4 5\n", .bonnmotion, 2, "backwards", 1),
            ("o1.txt", "0 10 0 1 0 1\n0 a 1 1\n1 a x 1\n", .one, 3, "not a number", 1),
            ("s1.xml", "<fcd-export>\n<timestep time=\"0\">\n<vehicle id=\"a\" x=\"1\" y=\"2\"/>\n</timestep>\n<timestep time=\"1\">\n<vehicle id=\"a\" x=\"1\"", nil, 6, "unterminated", 1),
            ("s2.xml", "<fcd-export>\n<timestep time=\"1\">\n<vehicle id=\"a\" x=\"1\" y=\"2\"/>\n</timestep>\n<timestep time=\"0\">\n", nil, 5, "backwards", 1),
            ("s3.xml", "<fcd-export>\n<timestep time=\"0\">\n<vehicle id=\"a\" x=\"1\" y=\"q\"/>\n", nil, 3, "not a number", 0),
            ("s4.xml", "<fcd-export>\n<timestep time=\"0\">\n<vehicle x=\"1\" y=\"2\"/>\n", nil, 3, "without an id", 0),
            ("s5.xml", "<fcd-export>\n<timestep time=\"0\">\n<vehicle id=\"a\" x=\"1\" y=\"2\"/>\n</timestep>\n", nil, 5, "before </fcd-export>", 1),
        ]
        for (name, text, format, line, message, before) in cases {
            let (records, e) = untilError(d.file(name, text), format)
            let err = try #require(e, "\(name) should fail")
            #expect(err.file.hasSuffix(name), "\(name)")
            #expect(err.place == .line(line, column: err.place == .line(line, column: nil) ? nil : columnOf(err)), "\(name): \(err)")
            #expect(err.message.contains(message), "\(name): \(err.message)")
            #expect(records.count >= before, "\(name): records read before the error are kept")
        }
        let (_, undetectable) = untilError(d.file("what.txt", "hello there\n"))
        #expect(undetectable?.message.contains("--format") == true)
    }
}

func columnOf(_ e: InputError) -> Int? {
    if case let .line(_, c) = e.place { return c }
    return nil
}
