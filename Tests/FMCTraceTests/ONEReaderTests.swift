// ONEReader on fixtures: the header, samples in time order, ONE's tolerance (comments, blank
// lines, extra fields, an 8-value header), and bad input.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("ONE external movement reader")
struct ONEReaderTests {
    @Test("header bounds and samples; coordinates kept as written")
    func basic() throws {
        let d = Scratch()
        let r = try ONEReader(path: d.file("m.txt", "0 100 -50 500 10 400\n0 n1 1.5 2.5\n0 n2 -50 10\n10 n1 3 4\n10.5 n2 0 0\n"))
        #expect(r.bounds == [0, 100, -50, 500, 10, 400])
        #expect(r.timeOrdered && r.format == .one)
        #expect(try drain(r) == [wp(0, 0, 1.5, 2.5), wp(1, 0, -50, 10), wp(0, 10, 3, 4), wp(1, 10.5, 0, 0)])
        #expect(r.nodes.names == ["n1", "n2"] && r.records == 4 && r.skippedLines == 0)
    }

    @Test("comments, blank lines, tabs, extra fields and a header with z bounds")
    func tolerance() throws {
        let d = Scratch()
        let p = d.file("m.txt", "# made by BonnMotion\n0\t60\t0 10 0 10 0 5\n\n0\t7\t1\t1\textra\n# gap\n30 7 2 2\n")
        let r = try ONEReader(path: p)
        #expect(r.bounds.count == 8)
        #expect(try drain(r) == [wp(0, 0, 1, 1), wp(0, 30, 2, 2)])
        #expect(r.skippedLines == 3)
        #expect(r.nodes.names == ["7"])
    }

    @Test("time: exact decimals, and exponents")
    func times() throws {
        let d = Scratch()
        let recs = try drain(ONEReader(path: d.file("m.txt", "0 1e3 0 1 0 1\n0.1 a 0 0\n1.5e2 a 1 1\n")))
        #expect(recs.map(\.timeNs) == [100_000_000, 150_000_000_000])
    }

    @Test("gzip input")
    func gzip() throws {
        let d = Scratch()
        let recs = try drain(ONEReader(path: try d.gzipped("m.txt", "0 1 0 1 0 1\n0 a 0.5 0.5\n")))
        #expect(recs == [wp(0, 0, 0.5, 0.5)])
    }

    @Test("bad input names the file and the line; earlier samples are kept",
          arguments: [
              ("", 1, "empty", 0),
              ("0 100 0 500 0\n", 1, "first line", 0),
              ("0 100 0 x 0 1\n", 1, "first line", 0),
              ("100 0 0 1 0 1\n", 1, "minTime", 0),
              ("0 10 0 1 0 1\n0 a 1 1\n1 a x 1\n", 3, "x 'x' is not a number", 1),
              ("0 10 0 1 0 1\n0 a 1 1\n1 a 1\n", 3, "expected 'time id x y'", 1),
              ("0 10 0 1 0 1\n0 a 1 1\nt a 1 1\n", 3, "time 't'", 1),
              ("0 10 0 1 0 1\n5 a 1 1\n4 b 1 1\n", 3, "backwards", 1),
          ])
    func errors(_ text: String, _ line: Int, _ message: String, _ before: Int) throws {
        let d = Scratch()
        let p = d.file("bad.one", text)
        let (recs, e, _) = drainUntilError { try ONEReader(path: p) }
        let err = try #require(e, "should fail: \(text.debugDescription)")
        #expect(err.file == p)
        #expect(errorLine(err) == line, "\(err)")
        #expect(err.message.contains(message), "\(err.message)")
        #expect(recs.count == before)
    }
}
