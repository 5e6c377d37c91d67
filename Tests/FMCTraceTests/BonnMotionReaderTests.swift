// BonnMotionReader on fixtures shaped like BonnMotion 3's output (params as its
// ParameterParser writes them, `#3D` marker, gzip), older params without J, no params at
// all, DisasterArea's one-value-per-line layout, and bad input.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("BonnMotion reader")
struct BonnMotionReaderTests {
    static let params2D = """
        model=RandomWaypoint
        ignore=3600.0
        randomSeed=1700000000000
        x=200.0
        y=100.0
        duration=60.0
        nn=2
        circular=false
        J=2D
        minspeed=0.5
        maxspeed=1.5
        maxpause=60.0

        """

    @Test("2-D, gzip, params as BonnMotion writes them; node i is line i")
    func twoD() throws {
        let d = Scratch()
        d.file("rw.params", Self.params2D)
        let p = try d.gzipped("rw.movements", "0.0 10.0 20.0 5.0 30.0 40.0 60.0 30.0 40.0\n0.0 1.0 1.0 60.0 1.0 1.0\n")
        let r = try BonnMotionReader(path: p)
        #expect(r.dimensions == 2 && r.dimensionSource.contains("J=2D"))
        #expect(r.parameters["model"] == "RandomWaypoint" && r.parameters["nn"] == "2" && r.parameters["maxpause"] == "60.0")
        #expect(r.parametersPath == d.url.appendingPathComponent("rw.params").path)
        #expect(!r.timeOrdered && r.format == .bonnmotion)
        #expect(try drain(r) == [wp(0, 0, 10, 20), wp(0, 5, 30, 40), wp(0, 60, 30, 40), wp(1, 0, 1, 1), wp(1, 60, 1, 1)])
        #expect(r.nodes.names == ["0", "1"] && r.records == 5)
    }

    @Test("3-D: J=3D with z in the params and the #3D first line")
    func threeD() throws {
        let d = Scratch()
        d.file("s.params", "model=RandomWaypoint\nx=100.0\ny=100.0\nz=50.0\nnn=1\nJ=3D\n")
        let p = try d.gzipped("s.movements", "#3D\n0.0 1.0 2.0 3.0 10.0 4.0 5.0 6.0\n")
        let r = try BonnMotionReader(path: p)
        #expect(r.dimensions == 3)
        #expect(try drain(r) == [wp(0, 0, 1, 2, 3), wp(0, 10, 4, 5, 6)])
        #expect(r.skippedLines == 1)
    }

    @Test("params without J: z means 3-D (as BonnMotion reads them back), none means 2-D")
    func olderParams() throws {
        let d = Scratch()
        d.file("a.params", "model=RandomWaypoint\nx=10\ny=10\nz=5\n")
        let a = try BonnMotionReader(path: d.file("a.movements", "0 1 1 1 6 2 2 2\n"))
        #expect(a.dimensions == 3 && a.dimensionSource.contains("z="))
        #expect(try drain(a) == [wp(0, 0, 1, 1, 1), wp(0, 6, 2, 2, 2)])
        d.file("b.params", "model=RandomWaypoint\nx=10\ny=10\n")
        // 12 values would also be three 3-D waypoints: the params say 2-D.
        let b = try BonnMotionReader(path: d.file("b.movements", "0 1 1 1 2 2 2 3 3 3 4 4\n"))
        #expect(b.dimensions == 2)
        #expect(try drain(b).count == 4)
    }

    @Test("no params: the #3D line decides, else the value count, and the guess says so")
    func inferred() throws {
        let d = Scratch()
        let marked = try BonnMotionReader(path: d.file("m.movements", "#3D\n0 1 2 3 4 5 6 7 8 9 10 11\n"))
        #expect(marked.parameters.isEmpty && marked.parametersPath == nil)
        #expect(try drain(marked) == [wp(0, 0, 1, 2, 3), wp(0, 4, 5, 6, 7), wp(0, 8, 9, 10, 11)])
        #expect(marked.dimensionSource.contains("#3D"))

        let three = try BonnMotionReader(path: d.file("t.movements", "0 5 5 10 6 6\n"))
        #expect(try drain(three) == [wp(0, 0, 5, 5), wp(0, 10, 6, 6)])
        #expect(three.dimensions == 2 && three.dimensionSource.contains("inferred"))

        let four = try BonnMotionReader(path: d.file("f.movements", "0 5 5 1 10 6 6 1\n"))
        #expect(four.dimensions == nil, "decided at the first data line")
        #expect(try drain(four) == [wp(0, 0, 5, 5, 1), wp(0, 10, 6, 6, 1)])
        #expect(four.dimensions == 3)

        // 12 values: (t x y) reads times 0, 9, 5, 7 (backwards), (t x y z) reads 0, 3, 20: 3-D.
        let ambiguous = try BonnMotionReader(path: d.file("a.movements", "0 1 2 9 3 4 5 6 20 7 8 50\n"))
        #expect(try drain(ambiguous).count == 3)
        #expect(ambiguous.dimensions == 3)
        // Both readings in time order: 2-D, BonnMotion's default.
        let tie = try BonnMotionReader(path: d.file("tie.movements", "0 0 0 1 1 1 2 2 2 3 3 3\n"))
        #expect(try drain(tie).count == 4)
        #expect(tie.dimensions == 2)
    }

    @Test("Java-style numbers (exponents, 17 digits), comments and blank lines between nodes")
    func layout() throws {
        let d = Scratch()
        d.file("j.params", "J=2D\n")
        let r = try BonnMotionReader(path: d.file("j.movements", "# first\n0.0 1.0E-4 12.345678901234567 1.0E7 2.5 2.5\n\n# second\n0.0 3 3\n"))
        #expect(try drain(r) == [wp(0, 0, 1e-4, 12.345678901234567), wp(0, 1e7, 2.5, 2.5), wp(1, 0, 3, 3)])
        #expect(r.nodes.names == ["0", "1"])
        #expect(r.skippedLines == 3)
    }

    @Test("DisasterArea: one value per line, a status after each waypoint, time 0 starts a node")
    func disasterArea() throws {
        let d = Scratch()
        d.file("da.params", "model=DisasterArea\nx=100.0\ny=100.0\nduration=10.0\nnn=2\nJ=2D\n")
        let values = ["0.0", "1.0", "1.0", "0.0", "10.0", "2.0", "2.0", "0.0", "0.0", "3.0", "3.0", "1.0", "10.0", "4.0", "4.0", "1.0"]
        let r = try BonnMotionReader(path: try d.gzipped("da.movements", values.joined(separator: "\n") + "\n"))
        #expect(try drain(r) == [wp(0, 0, 1, 1), wp(0, 10, 2, 2), wp(1, 0, 3, 3), wp(1, 10, 4, 4)])
        #expect(r.nodes.count == 2)
        let cut = try BonnMotionReader(path: d.file("da.movements", "0.0\n1.0\n1.0\n0.0\n10.0\n2.0\n"))
        let (recs, e, _) = drainUntilError { cut }
        #expect(recs.count == 1)
        #expect(e?.message.contains("ends inside a waypoint") == true)
    }

    @Test("bad input names the file and the line; nodes before it are kept",
          arguments: [
              ("0 1 2 3 4\n", 1, "neither (t, x, y) nor (t, x, y, z)", 0),
              ("0 1 2\n5 1 2 3 4\n", 2, "do not form (t, x, y) waypoints", 1),
              ("0 1 2\n5 1 2 3 4 5\n", 2, "backwards", 1),
              ("0 1 2\n0 1 x\n", 2, "y 'x' (value 3) is not a number", 1),
              ("0 1 2\n0 1 NaN\n", 2, "not a number", 1),
              ("0 1 2 3 1 2\n#3D\n", 0, "", 2),
          ])
    func errors(_ text: String, _ line: Int, _ message: String, _ before: Int) throws {
        let d = Scratch()
        let p = d.file("bad.movements", text)
        let (recs, e, _) = drainUntilError { try BonnMotionReader(path: p) }
        #expect(recs.count == before)
        if line == 0 {
            #expect(e == nil, "a #3D after the data is only a comment")
            return
        }
        let err = try #require(e, "should fail: \(text.debugDescription)")
        #expect(err.file == p)
        #expect(errorLine(err) == line, "\(err)")
        #expect(err.message.contains(message), "\(err.message)")
    }

    @Test("params that contradict the file, or are malformed, are errors naming the params")
    func badParams() throws {
        let d = Scratch()
        d.file("c.params", "J=2D\n")
        let (_, conflict, _) = drainUntilError { try BonnMotionReader(path: d.file("c.movements", "#3D\n0 1 2 3\n")) }
        #expect(conflict?.place == .line(1, column: nil) && conflict?.message.contains("#3D") == true)
        d.file("j.params", "J=4D\n")
        let (_, dim, _) = drainUntilError { try BonnMotionReader(path: d.file("j.movements", "0 1 2\n")) }
        #expect(dim?.file.hasSuffix("j.params") == true && dim?.message.contains("2D or 3D") == true)
        d.file("k.params", "model=RandomWaypoint\njust words\n")
        let (_, kv, _) = drainUntilError { try BonnMotionReader(path: d.file("k.movements", "0 1 2\n")) }
        #expect(kv?.file.hasSuffix("k.params") == true && kv?.place == .line(2, column: nil))
    }
}
