// PositionCSVReader on fixtures: metres and degrees, optional z, forced coordinates, global
// time order, and bad rows.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("position CSV reader")
struct PositionCSVReaderTests {
    @Test("x, y in metres, z optional, columns in any order")
    func cartesian() throws {
        let d = Scratch()
        let r = try PositionCSVReader(path: d.file("p.csv", "node,Y,X,time,speed\ncar1,2.5,1,0,13\ncar2,-4,3e2,0.5,0\ncar1,2.5,1.25,1,1\n"))
        #expect(r.coordinates == .cartesian && r.timeOrdered && r.format == .positions)
        #expect(try drain(r) == [wp(0, 0, 1, 2.5), wp(1, 0.5, 300, -4), wp(0, 1, 1.25, 2.5)])
        #expect(r.nodes.names == ["car1", "car2"] && r.records == 3)
        let z = try drain(PositionCSVReader(path: d.file("z.csv", "time,node,x,y,z\n0,a,1,2,3\n1,a,1,2,\n")))
        #expect(z == [wp(0, 0, 1, 2, 3), wp(0, 1, 1, 2, 0)])
    }

    @Test("lon, lat in degrees: geographic, x = lon, y = lat; fmc's own output with z reads back")
    func geographic() throws {
        let d = Scratch()
        let r = try PositionCSVReader(path: d.file("g.csv", "time,node,lat,lon\n0,a,48.85,2.35\n1,a,-33.9,151.2\n"))
        #expect(r.coordinates == .geographic)
        #expect(try drain(r) == [wp(0, 0, 2.35, 48.85), wp(0, 1, 151.2, -33.9)])
        let own = try PositionCSVReader(path: d.file("o.csv", "time,node,lon,lat,z\n0.000000000,a,13.400000,52.500000,0.000000\n"))
        #expect(try drain(own) == [wp(0, 0, 13.4, 52.5)])
        #expect(own.coordinates == .geographic)
        let long = try PositionCSVReader(path: d.file("l.csv", "Time,Node,Longitude,Latitude\n0,a,-180,90\n"))
        #expect(try drain(long) == [wp(0, 0, -180, 90)])
    }

    @Test("options.coordinates overrides the header, and picks a pair when both are there")
    func forced() throws {
        let d = Scratch()
        var geo = MobilityOptions()
        geo.coordinates = .geographic
        let asGeo = try PositionCSVReader(path: d.file("a.csv", "time,node,x,y\n0,a,10,20\n"), options: geo)
        #expect(asGeo.coordinates == .geographic)
        #expect(try drain(asGeo) == [wp(0, 0, 10, 20)])
        // Degrees are validated when read as degrees.
        let (_, e, _) = drainUntilError { try PositionCSVReader(path: d.file("b.csv", "time,node,x,y\n0,a,500,20\n"), options: geo) }
        #expect(e?.message.contains("longitude") == true)
        var flat = MobilityOptions()
        flat.coordinates = .cartesian
        let asFlat = try PositionCSVReader(path: d.file("c.csv", "time,node,lon,lat\n0,a,500,20\n"), options: flat)
        #expect(asFlat.coordinates == .cartesian)
        #expect(try drain(asFlat) == [wp(0, 0, 500, 20)])
        let both = "time,node,x,y,lon,lat\n0,a,100,200,2.3,48.8\n"
        #expect(try drain(PositionCSVReader(path: d.file("d.csv", both))) == [wp(0, 0, 100, 200)])
        let bothGeo = try PositionCSVReader(path: d.file("e.csv", both), options: geo)
        #expect(try drain(bothGeo) == [wp(0, 0, 2.3, 48.8)] && bothGeo.coordinates == .geographic)
    }

    @Test("global time order: equal times fine, a step back (even for another node) is an error")
    func order() throws {
        let d = Scratch()
        let p = d.file("o.csv", "time,node,x,y\n0,a,0,0\n0,b,1,1\n1,a,2,2\n0.5,b,3,3\n")
        let (recs, e, _) = drainUntilError { try PositionCSVReader(path: p) }
        #expect(recs.count == 3)
        #expect(e?.place == .line(5, column: 1))
        #expect(e?.message.contains("backwards") == true)
    }

    @Test("ISO 8601 times, comments, blank lines, gzip")
    func layout() throws {
        let d = Scratch()
        let text = "# positions\ntime,node,x,y\n\n2026-11-25T06:23:01Z,a,1,1\n# pause\n2026-11-25T06:23:01.5Z,a,2,1\n"
        let r = try PositionCSVReader(path: try d.gzipped("p.csv", text))
        let t0 = Int64(1_795_587_781) * 1_000_000_000
        #expect(try drain(r) == [.waypoint(node: 0, timeNs: t0, position: Position(x: 1, y: 1)),
                                  .waypoint(node: 0, timeNs: t0 + 500_000_000, position: Position(x: 2, y: 1))])
        #expect(r.skippedLines == 3)
    }

    @Test("numbers: Double's own parse for long and exponent forms, exactly")
    func numbers() throws {
        let d = Scratch()
        let values = ["591.256560093833", "0.1", "-0.000001", "1234567890.12345", "12.345678901234567", "1e-7", "6.02E3", "-0"]
        var text = "time,node,x,y\n"
        for v in values { text += "0,a,\(v),\(v)\n" }
        let recs = try drain(PositionCSVReader(path: d.file("n.csv", text)))
        for (rec, v) in zip(recs, values) {
            guard case let .waypoint(_, _, p) = rec else { Issue.record(); continue }
            #expect(p.x == Double(v)! && p.y == Double(v)!, "\(v)")
        }
    }

    @Test("bad input names the file and the line; earlier rows are kept",
          arguments: [
              ("time,node,x\n", 1, "must name time, node and x, y", 0),
              ("time,node,lon\n", 1, "must name", 0),
              ("time,node,x,y,X\n", 1, "twice", 0),
              ("", 1, "no header", 0),
              ("time,node,x,y\n0,a,1,2\n1,a,one,2\n", 3, "x 'one' is not a number", 1),
              ("time,node,x,y\n0,a,1,2\n1,a,1,nan\n", 3, "not a number", 1),
              ("time,node,x,y\n0,a,1,2\n1,a,1,inf\n", 3, "not a number", 1),
              ("time,node,x,y\n0,a,1,2\n1,a,1\n", 3, "expected 4 fields, found 3", 1),
              ("time,node,x,y\n0,a,1,2\nsoon,a,1,2\n", 3, "neither seconds", 1),
              ("time,node,x,y\n0,a,1,2\n1,,1,2\n", 3, "empty node", 1),
              ("time,node,lon,lat\n0,a,200,2\n", 2, "outside", 0),
              ("time,node,lon,lat\n0,a,2,-90.5\n", 2, "latitude", 0),
              ("time,node,x,y\n0,a,1,2\n1,a,\"1,2\n", 3, "unterminated", 1),
          ])
    func errors(_ text: String, _ line: Int, _ message: String, _ before: Int) throws {
        let d = Scratch()
        let p = d.file("bad.csv", text)
        let (recs, e, _) = drainUntilError { try PositionCSVReader(path: p) }
        let err = try #require(e, "should fail: \(text.debugDescription)")
        #expect(err.file == p)
        #expect(errorLine(err) == line, "\(err)")
        #expect(err.message.contains(message), "\(err.message)")
        #expect(recs.count == before)
    }
}
