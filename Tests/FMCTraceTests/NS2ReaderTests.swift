// NS2Reader on fixtures: legs, arrivals, overriding and cut legs, stops, jumps, out-of-order
// events, node order, skipped lines, and errors that keep the waypoints read before them.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("ns-2 movement reader")
struct NS2ReaderTests {
    func read(_ text: String, _ name: String = "s.tcl") throws -> (NS2Reader, [MobilityRecord]) {
        let d = Scratch()
        let r = try NS2Reader(path: d.file(name, text))
        return (r, try drain(r))
    }

    @Test("one leg: start at 0, leg start, arrival at distance / speed")
    func leg() throws {
        let (r, recs) = try read("""
            $node_(0) set X_ 0.0
            $node_(0) set Y_ 0.0
            $node_(0) set Z_ 0.0
            $ns_ at 10.0 "$node_(0) setdest 30.0 40.0 5.0"
            """)
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 10, 0, 0), wp(0, 20, 30, 40)])
        #expect(!r.timeOrdered && r.format == .ns2 && r.coordinates == .cartesian)
        #expect(r.records == 4 && r.skippedLines == 0)
        #expect(r.nodes.names == ["0"])
    }

    @Test("a setdest at time 0 starts from the initial waypoint without repeating it")
    func atZero() throws {
        let (_, recs) = try read("$node_(0) set X_ 1\n$node_(0) set Y_ 1\n$ns_ at 0.0 \"$node_(0) setdest 4 5 1\"\n")
        #expect(recs == [wp(0, 0, 1, 1), wp(0, 5, 4, 5)])
    }

    @Test("a later setdest cuts an unfinished leg where the node is, and heads on from there")
    func override() throws {
        let (_, recs) = try read("""
            $node_(0) set X_ 0
            $node_(0) set Y_ 0
            $ns_ at 0 "$node_(0) setdest 100 0 10"
            $ns_ at 5 "$node_(0) setdest 50 50 5"
            """)
        // At 5 s it is at (50, 0); 50 m to (50, 50) at 5 m/s: arrives at 15 s.
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 5, 50, 0), wp(0, 15, 50, 50)])
    }

    @Test("speed 0 stops a moving node where it is, and keeps a resting node in place")
    func stop() throws {
        let (_, moving) = try read("""
            $node_(0) set X_ 0
            $node_(0) set Y_ 0
            $ns_ at 0 "$node_(0) setdest 100 0 10"
            $ns_ at 3 "$node_(0) setdest 0 0 0"
            $ns_ at 20 "$node_(0) setdest 7 7 0.0"
            """)
        #expect(moving == [wp(0, 0, 0, 0), wp(0, 3, 30, 0)])
        // A setdest to where the node already is changes nothing either.
        let (_, resting) = try read("$node_(0) set X_ 2\n$node_(0) set Y_ 3\n$ns_ at 4 \"$node_(0) setdest 2 3 9\"\n")
        #expect(resting == [wp(0, 0, 2, 3)])
    }

    @Test("arrival before the next command: the node waits at the destination, then leaves from it")
    func pause() throws {
        let (_, recs) = try read("""
            $node_(0) set X_ 0
            $node_(0) set Y_ 0
            $ns_ at 1 "$node_(0) setdest 0 10 10"
            $ns_ at 2 "$node_(0) setdest 10 10 2"
            $ns_ at 50 "$node_(0) setdest 10 0 1"
            """)
        // Arrives (0,10) at exactly 2 s, when the next leg starts: one waypoint there.
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 1, 0, 0), wp(0, 2, 0, 10), wp(0, 7, 10, 10), wp(0, 50, 10, 10), wp(0, 60, 10, 0)])
    }

    @Test("events out of time order are sorted per node; equal times keep file order")
    func outOfOrder() throws {
        let (_, recs) = try read("""
            $ns_ at 20 "$node_(0) setdest 0 0 10"
            $ns_ at 5 "$node_(0) setdest 100 0 10"
            $ns_ at 5 "$node_(0) setdest 0 100 10"
            $node_(0) set Y_ 0
            $node_(0) set X_ 0
            """)
        // Both at 5 s: the second in the file wins; arrives (0,100) at 15 s; home at 25 s.
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 5, 0, 0), wp(0, 15, 0, 100), wp(0, 20, 0, 100), wp(0, 30, 0, 0)])
    }

    @Test("nodes come out in index order, each in time order; a node that never moves has one waypoint")
    func nodeOrder() throws {
        let (r, recs) = try read("""
            $node_(10) set X_ 1
            $node_(10) set Y_ 1
            $node_(2) set X_ 2
            $node_(2) set Y_ 2
            $ns_ at 1 "$node_(10) setdest 1 2 1"
            """)
        #expect(r.nodes.names == ["2", "10"])
        #expect(recs == [wp(0, 0, 2, 2), wp(1, 0, 1, 1), wp(1, 1, 1, 1), wp(1, 2, 1, 2)])
    }

    @Test("a timed set X_ jumps: two waypoints at the same time, and the node stops")
    func jump() throws {
        let (_, recs) = try read("""
            $node_(1) set X_ 0
            $node_(1) set Y_ 0
            $ns_ at 5.0 "$node_(1) setdest 0.0 30.0 10.0"
            $ns_ at 7.0 "$node_(1) set X_ 9.0"
            $ns_ at 9.0 "$node_(1) set Z_ 4.0"
            """)
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 5, 0, 0), wp(0, 7, 0, 20), wp(0, 7, 9, 20), wp(0, 9, 9, 20), wp(0, 9, 9, 20, 4)])
    }

    @Test("Z_ is kept as the height but plays no part in distance")
    func height() throws {
        let (_, recs) = try read("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$node_(0) set Z_ 1000\n$ns_ at 0 \"$node_(0) setdest 3 4 1\"\n")
        #expect(recs == [wp(0, 0, 0, 0, 1000), wp(0, 5, 3, 4, 1000)])
    }

    @Test("times are rounded to the nanosecond; arrivals come from the exact values")
    func rounding() throws {
        let (_, recs) = try read("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 0.1 \"$node_(0) setdest 1 0 3\"\n")
        #expect(recs.map(\.timeNs) == [0, 100_000_000, 433_333_333])
        // CMU numbers (scen-3-test's node 0), arrival worked out here.
        let (x0, y0, x1, y1, v) = (83.364418416244, 239.438009831261, 89.663708107313, 283.494644426442, 19.153832288917)
        let (_, cmu) = try read("""
            $node_(0) set X_ \(x0)
            $node_(0) set Y_ \(y0)
            $ns_ at 33.000000000000 "$node_(0) setdest \(x1) \(y1) \(v)"
            """)
        let arrival = 33 + ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot() / v
        #expect(cmu == [wp(0, 0, x0, y0), wp(0, 33, x0, y0), wp(0, arrival, x1, y1)])
    }

    @Test("god lines, comments and blank lines are skipped and counted; braces work like quotes")
    func skipped() throws {
        let (r, recs) = try read("""
            #
            # nodes: 2, pause: 2.00, max speed: 20.00
            #
            set god_ [God instance]

            $node_(0) set X_ 1
            $node_(0) set Y_ 1
            $god_ set-dist 0 1 16777215
            $ns_ at 0.5 "$god_ set-dist 0 1 1"
            \t$ns_ at 1 {$node_(0) setdest 2 1 1}\t
            """)
        #expect(recs == [wp(0, 0, 1, 1), wp(0, 1, 1, 1), wp(0, 2, 2, 1)])
        #expect(r.skippedLines == 7)
        #expect(r.records == 3)
    }

    @Test("gzip input reads the same")
    func gzip() throws {
        let d = Scratch()
        let text = "$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1 0 1\"\n"
        #expect(try drain(NS2Reader(path: d.file("a.tcl", text))) == drain(NS2Reader(path: try d.gzipped("b.tcl", text))))
    }

    @Test("an error keeps the waypoints built from the lines before it, then is thrown")
    func keepsBefore() throws {
        let d = Scratch()
        let p = d.file("e.tcl", """
            $node_(0) set X_ 0
            $node_(0) set Y_ 0
            $ns_ at 1 "$node_(0) setdest 10 0 1"
            $ns_ at 2 "$node_(0) setdest 10 0 -1"
            $ns_ at 5 "$node_(0) setdest 0 0 1"
            """)
        let (recs, e, _) = drainUntilError { try NS2Reader(path: p) }
        #expect(recs == [wp(0, 0, 0, 0), wp(0, 1, 0, 0), wp(0, 11, 10, 0)])
        let err = try #require(e)
        #expect(err.file == p && err.place == .line(4, column: nil))
        #expect(err.message.contains("negative"))
    }

    @Test("a node without an initial position: the nodes before it are kept, then the error")
    func noInitial() throws {
        let d = Scratch()
        let p = d.file("n.tcl", """
            $node_(0) set X_ 1
            $node_(0) set Y_ 1
            $ns_ at 3 "$node_(1) setdest 1 2 3"
            $node_(1) set X_ 1
            $node_(2) set X_ 1
            $node_(2) set Y_ 1
            """)
        let (recs, e, _) = drainUntilError { try NS2Reader(path: p) }
        #expect(recs == [wp(0, 0, 1, 1)])
        let err = try #require(e)
        #expect(err.place == .line(3, column: nil))
        #expect(err.message.contains("node 1") && err.message.contains("no initial Y_"))
    }

    @Test("bad lines name the file and the line",
          arguments: [
              ("$ns_ at 1 \"$node_(4) setdest 1 2 3\"\n", 1, "no initial X_ and Y_"),
              ("$node_(0) set X_ 1\n$node_(x) set Y_ 1\n", 2, "$node_(i)"),
              ("$node_(0) set X_ 1\n$node_(0) set Y_ one\n", 2, "Y_ 'one' is not a number"),
              ("$node_(0) set X_ 1\n$node_(0) set Y_\n", 2, "expected: $node_(i) set"),
              ("$node_(0) set W_ 1\n", 1, "expected: $node_(i) set"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1 2\"\n", 3, "found 2 values"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1 2 x\"\n", 3, "speed 'x'"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1 2 3\n", 3, "unterminated"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1 2 3\" extra\n", 3, "after the closing quote"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) start\"\n", 3, "unknown ns-2 command"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at -1 \"$node_(0) setdest 1 2 3\"\n", 3, "negative"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at soon \"$node_(0) setdest 1 2 3\"\n", 3, "time 'soon'"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ \"$node_(0) setdest 1 2 3\"\n", 3, "expected: $ns_ at TIME"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 $node_(0) setdest 1 2 3\n", 3, "expected: $ns_ at TIME"),
              ("$node_(0) set X_ 0\nputs hello\n", 2, "not an ns-2 movement line"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1e12 \"$node_(0) setdest 1 2 3\"\n", 3, "out of range"),
              ("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n$ns_ at 1 \"$node_(0) setdest 1e9 0 1e-3\"\n", 3, "out of range"),
          ])
    func errors(_ text: String, _ line: Int, _ message: String) throws {
        let d = Scratch()
        let p = d.file("bad.tcl", text)
        let (_, e, _) = drainUntilError { try NS2Reader(path: p) }
        let err = try #require(e, "should fail: \(text.debugDescription)")
        #expect(err.file == p)
        #expect(errorLine(err) == line, "\(err)")
        #expect(err.message.contains(message), "\(err.message)")
    }
}
