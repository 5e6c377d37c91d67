// Addresses, prefixes, JSON text and time formatting: the shapes every report depends on.

import FMCIO
import Testing

@testable import FMCCore

@Suite("FMCCore")
struct CoreTests {
    @Test("IPv4 and IPv6 text round-trips in canonical form",
          arguments: ["198.18.1.10", "0.0.0.0", "255.255.255.255", "fd00:198:18:1::10", "::", "::1",
                      "2001:db8::1:0:0:1", "fe80::c6ff:fe12:fe", "1:2:3:4:5:6:7:8", "::ffff:198.18.0.1"])
    func roundTrip(_ text: String) throws {
        let a = try #require(IPAddress(text))
        let back = a.description
        #expect(IPAddress(back) == a)
        if text != "::ffff:198.18.0.1" { #expect(back == text) }
    }

    @Test("bad address text is rejected",
          arguments: ["198.18.1", "198.18.1.256", "1::2::3", "12345::", "fd00:::1", "", "a.b.c.d", "1:2:3:4:5:6:7:8:9"])
    func rejects(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("an IPv4 address never equals its IPv4-mapped IPv6 form")
    func families() {
        #expect(IPAddress("198.18.0.1") != IPAddress("::ffff:198.18.0.1"))
        #expect(IPAddress("198.18.0.1")! < IPAddress("::1")!)
    }

    @Test("prefixes clear host bits and test membership")
    func prefixes() throws {
        let p = try #require(IPPrefix("198.18.1.77/24"))
        #expect(p.description == "198.18.1.0/24")
        #expect(p.contains(IPAddress("198.18.1.200")!))
        #expect(!p.contains(IPAddress("198.18.2.1")!))
        #expect(!p.contains(IPAddress("::ffff:198.18.1.1")!))
        let q = try #require(IPPrefix("fd00:198:18::/48"))
        #expect(q.contains(IPAddress("fd00:198:18:3::80")!))
        #expect(!q.contains(IPAddress("fd00:198:19::1")!))
        #expect(IPPrefix("198.18.0.0/33") == nil)
        #expect(IPPrefix("0.0.0.0/0")!.contains(IPAddress("1.2.3.4")!))
    }

    @Test("JSON keeps key order, escapes text and prints numbers one way")
    func json() {
        let v: JSON = .object([("z", .int(1)), ("a", .string("q\"\\\n\u{1}")), ("d", .double(0.5)),
                               ("e", .double(2)), ("n", .null), ("l", .array([.bool(true), .array([])]))])
        #expect(v.compact == #"{"z":1,"a":"q\"\\\n\u0001","d":0.5,"e":2,"n":null,"l":[true,[]]}"#)
        #expect(v.pretty.hasPrefix("{\n  \"z\": 1,\n"))
        #expect(JSON.double(.nan).compact == "null")
    }

    @Test("UTC and seconds formatting")
    func time() {
        #expect(formatUTC(0) == "1970-01-01T00:00:00.000000000Z")
        #expect(formatUTC(1_353_690_039_425_111_000) == "2012-11-23T17:00:39.425111000Z")
        #expect(formatUTC(951_782_400_000_000_001) == "2000-02-29T00:00:00.000000001Z")
        #expect(formatUTC(-1) == "1969-12-31T23:59:59.999999999Z")
        #expect(formatSeconds(1_500_000_000) == "1.500000000")
        #expect(formatSeconds(-20) == "-0.000000020")
    }

    @Test("input errors name the file and the place")
    func errors() {
        #expect(InputError(file: "a.pcap", place: .record(3, offset: 120), message: "bad").description
                == "a.pcap: record 3, byte offset 120: bad")
        #expect(InputError(file: "a.gz", place: .byte(9), message: "x", offsetIsDecompressed: true).description
                == "a.gz: byte offset 9 of decompressed data: x")
        #expect(InputError(file: "t.csv", place: .line(4, column: 2), message: "m").description == "t.csv:4:2: m")
        #expect(InputError(file: "s.yaml", place: .key("alpha", line: 7), message: "m").description == "s.yaml:7: key 'alpha': m")
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("known digests, in one piece and streamed in odd chunks")
    func vectors() {
        var empty = SHA256Digest()
        #expect(empty.finish() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256Digest()
        abc.update(Array("abc".utf8))
        #expect(abc.finish() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        var streamed = SHA256Digest()
        for chunk in stride(from: 0, to: long.count, by: 7) { streamed.update(Array(long[chunk..<min(chunk + 7, long.count)])) }
        #expect(streamed.finish() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
