// The byte-level helpers under every line reader: exact seconds, numbers, ISO 8601 and
// syslog times, CSV and whitespace splitting, interning.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

/// Runs `body` on the UTF-8 bytes of `s`.
func onBytes<T>(_ s: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
    var s = s
    return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
}

@Suite("trace text helpers")
struct TraceTextTests {
    @Test("secondsExact agrees with parseSecondsExact")
    func seconds() {
        for s in ["0", "12", "12.5", "-0.25", "+3", "0.000000001", "1.1234567891", "9000000000", "9000000001", ".5", "5.",
                  "", "-", ".", "1.2.3", "1e3", "abc", " 1", "1 "] {
            #expect(onBytes(s, secondsExact) == parseSecondsExact(s), "\(s)")
        }
    }

    @Test("decimalNumber equals Double's parse, and refuses what a trace never means")
    func numbers() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = Double.random(in: -1e6...1e6, using: &g)
            for s in [String(v), String(format: "%.6f", v), String(format: "%.12f", v), String(format: "%.3e", v)] {
                #expect(onBytes(s, decimalNumber) == Double(s)!, "\(s)")
            }
        }
        for s in ["nan", "NaN", "inf", "-inf", "infinity", "0x1p3", "", "-", "1,5", "1 2", "1e999"] {
            #expect(onBytes(s, decimalNumber) == nil, "\(s)")
        }
    }

    @Test("ISO 8601: zones, fractions, separators, and real dates only")
    func iso() {
        let t = Int64(1_795_587_781) * 1_000_000_000
        let good: [(String, Int64)] = [
            ("2026-11-25T06:23:01Z", t), ("2026-11-25T06:23:01", t), ("2026-11-25 06:23:01z", t),
            ("2026-11-25T06:23:01.25Z", t + 250_000_000), ("2026-11-25T06:23:01,5Z", t + 500_000_000),
            ("2026-11-25T06:23:01.1234567891Z", t + 123_456_789),
            ("2026-11-25T07:23:01+01:00", t), ("2026-11-25T07:23:01+0100", t), ("2026-11-25T07:23:01+01", t),
            ("2026-11-25T01:53:01-04:30", t), ("2024-02-29T23:59:59Z", 1_709_251_199_000_000_000),
            ("1970-01-01T00:00:00Z", 0), ("1969-12-31T23:59:59Z", -1_000_000_000),
        ]
        for (s, v) in good { #expect(parseISO8601(s) == v, "\(s)") }
        for s in ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-25T24:00:00Z",
                  "2026-11-25T06:23:01.Z", "2026-11-25T06:23:01+1", "2026-11-25T06:23:01Q", "2026-11-25", "26-11-25T06:23:01Z",
                  "2026-11-25T06:23:01Z junk"] {
            #expect(parseISO8601(s) == nil, "\(s)")
        }
    }

    @Test("syslog times in a given year")
    func syslog() {
        #expect(onBytes("Nov 25 06:23:01") { syslogTime($0, year: 2026) } == 1_795_587_781_000_000_000)
        #expect(onBytes("Nov 25 06:23:01.5") { syslogTime($0, year: 2026) } == 1_795_587_781_500_000_000)
        #expect(onBytes("Jan  1 00:00:00") { syslogTime($0, year: 1970) } == 0)
        #expect(onBytes("feb 29 12:00:00") { syslogTime($0, year: 2024) } != nil)
        for s in ["Feb 29 12:00:00", "Nov 31 00:00:00", "Foo 25 06:23:01", "Nov 25 6:23:01", "Nov 25 06:23", "Nov 25 06:23:01x"] {
            #expect(onBytes(s) { syslogTime($0, year: 2026) } == nil, "\(s)")
        }
    }

    @Test("CSV splitting: trimming, empty fields, quotes")
    func csv() {
        func split(_ s: String) -> ([String], String?) {
            onBytes(s) { b in
                let f = FieldSplitter()
                let problem = f.splitCSV(b)
                return ((0..<f.count).map { String(decoding: f[$0], as: UTF8.self) }, problem)
            }
        }
        #expect(split("a,b,c").0 == ["a", "b", "c"])
        #expect(split(" a , b ,c ").0 == ["a", "b", "c"])
        #expect(split("").0 == [""])
        #expect(split(",,").0 == ["", "", ""])
        #expect(split("a,\"b,c\",d").0 == ["a", "b,c", "d"])
        #expect(split("\" x \" , \"y\"\"z\"").0 == [" x ", "y\"z"])
        #expect(split("\"\",a").0 == ["", "a"])
        #expect(split("a,\"b").1?.contains("unterminated") == true)
        #expect(split("\"a\"b,c").1?.contains("after the closing quote") == true)
        #expect(split("a\"b,c").1?.contains("quote inside") == true)
        // The splitter is reused: a long quoted line after a short one.
        let f = FieldSplitter()
        let long = "\"" + String(repeating: "x", count: 5000) + "\",y"
        onBytes("\"a\",b") { _ = f.splitCSV($0) }
        let count = onBytes(long) { b -> Int in
            _ = f.splitCSV(b)
            return f[0].count
        }
        #expect(count == 5000)
    }

    @Test("whitespace splitting")
    func whitespace() {
        let parts = onBytes(" \t1  2\t\t3 ") { b -> [String] in
            let f = FieldSplitter()
            f.splitWhitespace(b)
            return (0..<f.count).map { String(decoding: f[$0], as: UTF8.self) }
        }
        #expect(parts == ["1", "2", "3"])
    }

    @Test("interning: one index per distinct name, through many table growths")
    func interning() {
        let table = NodeTable()
        let names = NodeInterner(table)
        for round in 0..<2 {
            for i in 0..<5000 {
                let n = onBytes("node-\(i)") { names.node($0) }
                #expect(n == i, "round \(round)")
            }
        }
        #expect(table.count == 5000)
        #expect(onBytes("") { names.node($0) } == 5000)
        #expect(table.names.last == "")
    }
}
