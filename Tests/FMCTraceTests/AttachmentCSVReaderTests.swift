// AttachmentCSVReader on fixtures: header forms, time forms, detach spellings, quoting,
// ordering, and every kind of bad row (file and line named, earlier records kept).

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("attachment CSV reader")
struct AttachmentCSVReaderTests {
    static let epoch = Int64(1_795_587_781) * 1_000_000_000  // 2026-11-25T06:23:01Z

    @Test("columns in any order and case, extra columns ignored, cell optional")
    func header() throws {
        let d = Scratch()
        let p = d.file("a.csv", "Signal,NETWORK,Cell,Node,TIME\n-71,A,c1,mn,0.5\n-80,B,,mn,1\n-60,A,c2,other,1.25\n")
        let r = try AttachmentCSVReader(path: p)
        #expect(r.columns == ["signal", "network", "cell", "node", "time"])
        #expect(r.format == .attachments && r.timeOrdered && r.coordinates == .cartesian)
        let recs = try drain(r)
        #expect(recs == [
            .attach(node: 0, timeNs: 500_000_000, point: "A", cell: "c1", line: 2),
            .attach(node: 0, timeNs: 1_000_000_000, point: "B", cell: nil, line: 3),
            .attach(node: 1, timeNs: 1_250_000_000, point: "A", cell: "c2", line: 4),
        ])
        #expect(r.nodes.names == ["mn", "other"])
        #expect(r.records == 3 && r.skippedLines == 0)
    }

    @Test("without a cell column; a short row may leave out a trailing cell")
    func cellColumn() throws {
        let d = Scratch()
        let recs = try drain(AttachmentCSVReader(path: d.file("a.csv", "time,node,network\n0,a,N1\n")))
        #expect(recs == [.attach(node: 0, timeNs: 0, point: "N1", cell: nil, line: 2)])
        let short = try drain(AttachmentCSVReader(path: d.file("b.csv", "time,node,network,cell\n0,a,N1\n1,a,N2,c\n")))
        #expect(short == [.attach(node: 0, timeNs: 0, point: "N1", cell: nil, line: 2),
                          .attach(node: 0, timeNs: 1_000_000_000, point: "N2", cell: "c", line: 3)])
    }

    @Test("times: exact decimal seconds, ISO 8601 with fraction and offsets")
    func times() throws {
        let d = Scratch()
        let p = d.file("t.csv", """
            time,node,network
            2026-11-25T06:23:01Z,a,A
            2026-11-25T06:23:01.25Z,a,A
            2026-11-25T07:23:02+01:00,a,A
            2026-11-25T06:23:02.000000001Z,a,A
            2026-11-25 06:23:03Z,a,A
            2026-11-25T01:23:04-0500,a,A
            1795587785.123456789,a,A

            """)
        let times = try drain(AttachmentCSVReader(path: p)).map(\.timeNs)
        let e = Self.epoch
        #expect(times == [e, e + 250_000_000, e + 1_000_000_000, e + 1_000_000_001, e + 2_000_000_000, e + 3_000_000_000,
                          e + 4_123_456_789])
        // Decimal seconds are exact: no binary floating point in between.
        let exact = try drain(AttachmentCSVReader(path: d.file("x.csv", "time,node,network\n0.1,a,A\n0.3,a,A\n12345678.987654321,a,A\n")))
        #expect(exact.map(\.timeNs) == [100_000_000, 300_000_000, 12_345_678_987_654_321])
    }

    @Test("detach spellings: empty, '-', 'none' in any case")
    func detach() throws {
        let d = Scratch()
        let p = d.file("d.csv", "time,node,network,cell\n1,a,,\n2,a,-,c\n3,a,none,\n4,a,NONE,\n5,a,  ,\n6,a,Nonetheless,\n")
        let recs = try drain(AttachmentCSVReader(path: p))
        #expect(recs == [
            .detach(node: 0, timeNs: 1_000_000_000, line: 2),
            .detach(node: 0, timeNs: 2_000_000_000, line: 3),
            .detach(node: 0, timeNs: 3_000_000_000, line: 4),
            .detach(node: 0, timeNs: 4_000_000_000, line: 5),
            .detach(node: 0, timeNs: 5_000_000_000, line: 6),
            .attach(node: 0, timeNs: 6_000_000_000, point: "Nonetheless", cell: nil, line: 7),
        ])
    }

    @Test("comments, blank lines, spaces, CRLF and a byte-order mark")
    func layout() throws {
        let d = Scratch()
        let p = d.file("l.csv", "\u{FEFF}# exported by a tool\r\n\r\n time , node , network \r\n# a comment\r\n 1 , a b , Net 1 \r\n\r\n2,a b,Net 2\r\n")
        let r = try AttachmentCSVReader(path: p)
        let recs = try drain(r)
        #expect(recs == [.attach(node: 0, timeNs: 1_000_000_000, point: "Net 1", cell: nil, line: 5),
                         .attach(node: 0, timeNs: 2_000_000_000, point: "Net 2", cell: nil, line: 7)])
        #expect(r.nodes.names == ["a b"])
        #expect(r.skippedLines == 4)
        #expect(r.records == 2)
    }

    @Test("quoted fields keep commas, quotes and spaces")
    func quoted() throws {
        let d = Scratch()
        let p = d.file("q.csv", "time,node,network,cell\n1,\"node, one\",\"Net \"\"A\"\"\",\" c 1 \"\n2,plain,B,\n")
        let recs = try drain(AttachmentCSVReader(path: p))
        #expect(recs == [.attach(node: 0, timeNs: 1_000_000_000, point: "Net \"A\"", cell: " c 1 ", line: 2),
                         .attach(node: 1, timeNs: 2_000_000_000, point: "B", cell: nil, line: 3)])
    }

    @Test("equal times are fine; a time going back is an error naming file, line and column")
    func order() throws {
        let d = Scratch()
        let p = d.file("o.csv", "time,node,network\n1,a,A\n1,b,B\n2,a,B\n1.5,b,A\n3,a,A\n")
        let (recs, e, _) = drainUntilError { try AttachmentCSVReader(path: p) }
        #expect(recs.count == 3)
        let err = try #require(e)
        #expect(err.file == p)
        #expect(err.place == .line(5, column: 1))
        #expect(err.message.contains("backwards") && err.message.contains("line 4"))
        #expect(err.description.hasPrefix(p + ":5:1: "))
    }

    @Test("gzip input reads the same")
    func gzip() throws {
        let d = Scratch()
        let text = "time,node,network\n0,a,A\n1,a,B\n"
        let plain = try drain(AttachmentCSVReader(path: d.file("g.csv", text)))
        let packed = try drain(AttachmentCSVReader(path: try d.gzipped("h.csv", text)))
        #expect(plain == packed && plain.count == 2)
    }

    @Test("a long trace: names interned once, every row read")
    func many() throws {
        let d = Scratch()
        var text = "time,node,network,cell\n"
        for i in 0..<20_000 { text += "\(i / 10).\(i % 10),node\(i % 37),net\(i % 3),cell\(i % 5)\n" }
        let r = try AttachmentCSVReader(path: d.file("m.csv", text))
        var n = 0
        var last = Int64.min
        while let rec = try r.next() {
            guard case let .attach(node, t, point, cell, line) = rec else { Issue.record("not an attach"); break }
            #expect(t >= last)
            last = t
            if n % 997 == 0 {
                #expect(r.nodes.names[node] == "node\(n % 37)" && point == "net\(n % 3)" && cell == "cell\(n % 5)" && line == n + 2)
            }
            n += 1
        }
        #expect(n == 20_000 && r.records == 20_000)
        #expect(r.nodes.count == 37)
    }

    @Test("bad input: the error names the file and the line, and the rows before it are kept",
          arguments: [
              ("time,node\n1,a\n", 1, "missing: network", 0),
              ("node,time,cell\n", 1, "missing: network", 0),
              ("time,node,network,Time\n", 1, "twice", 0),
              ("", 1, "no header", 0),
              ("# only a comment\n\n", 2, "no header", 0),
              ("time,node,network\n1,a,A\nzz,a,B\n", 3, "neither seconds", 1),
              ("time,node,network\n1,a,A\n2026-02-30T00:00:00Z,a,B\n", 3, "neither seconds", 1),
              ("time,node,network\n1,a,A\n2,a\n", 3, "expected 3 fields, found 2", 1),
              ("time,node,network\n1,a,A\n2,,B\n", 3, "empty node", 1),
              ("time,node,network\n1,a,A\n2,\"a,B\n", 3, "unterminated quoted field", 1),
              ("time,node,network\n1,a,A\n2,\"a\"x,B\n", 3, "after the closing quote", 1),
              ("time,node,network\n1,a,A\n2,a\"b,B\n", 3, "quote inside", 1),
              ("time,node,network\n5,a,A\n6,a,B\n4,a,C\n", 4, "backwards", 2),
          ])
    func errors(_ text: String, _ line: Int, _ message: String, _ before: Int) throws {
        let d = Scratch()
        let p = d.file("bad.csv", text)
        let (recs, e, _) = drainUntilError { try AttachmentCSVReader(path: p) }
        let err = try #require(e, "should fail: \(text.debugDescription)")
        #expect(err.file == p)
        #expect(errorLine(err) == line, "\(err)")
        #expect(err.message.contains(message), "\(err.message)")
        #expect(recs.count == before)
    }

    @Test("a file that does not exist is an InputError, not a crash")
    func missingFile() {
        #expect(throws: InputError.self) { _ = try AttachmentCSVReader(path: "/nonexistent/fmc/a.csv") }
    }
}
