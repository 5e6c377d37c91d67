// fmc against captures written by other people (scripts/fetch-test-data puts them in a cache
// outside the repo; Tests/RealData/captures.tsv says what each one is). Oracles: capinfos
// for packet counts, tshark for conversations, gopacket's pcapng conformance expectations.
//
// Without the cache these tests are skipped, unless FMC_REQUIRE_TEST_DATA=1 (scripts/test
// sets it), in which case its absence is a failure.

import FMCCore
import Foundation
import FMCIO
import Testing

@testable import FMCCapture

enum RealData {
    static let cache = ProcessInfo.processInfo.environment["FMC_TEST_DATA"] ?? "/var/cache/fmc-test-data"
    static let required = ProcessInfo.processInfo.environment["FMC_REQUIRE_TEST_DATA"] == "1"
    static let available = FileManager.default.fileExists(atPath: cache + "/READY")
    /// Run when the data is there, or when it is required (and then fail loudly).
    static let enabled = available || required
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Row {
        var path: String, kind: String, format: String, gzipLayers: Int, linkTypes: [Int], packets: Int, note: String
        var full: String { cache + "/" + path }
    }

    static let rows: [Row] = {
        guard let text = try? String(contentsOf: repo.appendingPathComponent("Tests/RealData/captures.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(path: f[0], kind: f[1], format: f[2], gzipLayers: Int(f[3]) ?? 0,
                       linkTypes: f[4] == "-" ? [] : f[4].split(separator: ",").compactMap { Int($0) },
                       packets: Int(f[5]) ?? -1, note: f.count > 6 ? f[6] : "")
        }
    }()

    static func requireData() throws {
        try #require(available, "real captures missing in \(cache): run scripts/fetch-test-data")
        try #require(rows.count > 100, "Tests/RealData/captures.tsv missing or short")
    }

    /// Runs a program, returning stdout, or nil when it is not installed.
    static func run(_ tool: String, _ args: [String]) -> String? {
        let paths = ["/usr/bin/" + tool, "/usr/local/bin/" + tool]
        guard let exe = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("real captures", .enabled(if: RealData.enabled))
struct RealDataTests {
    static let unsupportedLinks: Set<Int> = [119, 127, 227, 256]

    @Test("every well-formed file: the packet count of the manifest and of capinfos")
    func wellFormed() throws {
        try RealData.requireData()
        var checked = 0
        for row in RealData.rows where row.kind == "ok" {
            let s = CaptureInspector.inspect(row.full)
            #expect(s.packets == row.packets, "\(row.path)")
            #expect(s.compressionLayers == row.gzipLayers, "\(row.path)")
            #expect(s.format == row.format, "\(row.path)")
            #expect(Set(s.linkTypes) == Set(row.linkTypes), "\(row.path)")
            if row.linkTypes.contains(where: Self.unsupportedLinks.contains) {
                #expect(s.errors.count == 1 && s.errors[0].message.contains("not supported"), "\(row.path)")
            } else {
                #expect(s.ok, "\(row.path): \(s.errors)")
            }
            // The manifest itself against the oracle, where capinfos can read the file.
            if row.gzipLayers < 2, let out = RealData.run("capinfos", ["-c", "-M", row.full]) {
                let count = out.split(separator: "\n").first { $0.contains("Number of packets") }
                    .flatMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) }
                #expect(count == row.packets, "capinfos disagrees with the manifest on \(row.path)")
            }
            checked += 1
        }
        #expect(checked >= 150)
    }

    @Test("every damaged file: a clear error after the packets before the damage; lenient reads at least as much")
    func damaged() throws {
        try RealData.requireData()
        let rows = RealData.rows.filter { $0.kind == "damaged" }
        #expect(rows.count == 4)
        for row in rows {
            let s = CaptureInspector.inspect(row.full)
            #expect(!s.ok, "\(row.path)")
            #expect(s.packets == row.packets, "\(row.path)")
            let e = try #require(s.errors.first)
            #expect(e.file == row.full)
            #expect(e.place.offset != nil, "\(row.path): \(e)")
            var o = InspectOptions()
            o.lenient = true
            let l = CaptureInspector.inspect(row.full, options: o)
            #expect(l.ok, "\(row.path): \(l.errors)")
            #expect(l.packets >= s.packets)
            #expect(l.damage.count >= 1)
        }
        // pcapfix's file: the record that claims more than remains.
        let pcapfix = try #require(rows.first { $0.path.hasSuffix("test_damaged.pcap") })
        let e = try #require(CaptureInspector.inspect(pcapfix.full).errors.first)
        #expect(e.message.contains("16896") && e.message.contains("8756"))
        // gopacket's test901: lenient skips the version-2.0 section and reads the third.
        let v2 = try #require(rows.first { $0.path.hasSuffix("le/test901.pcapng") })
        var o = InspectOptions()
        o.lenient = true
        #expect(CaptureInspector.inspect(v2.full, options: o).packets == 2)
    }

    @Test("files that are not captures are said to be so")
    func notCaptures() throws {
        try RealData.requireData()
        for row in RealData.rows where row.kind == "not-capture" {
            let s = CaptureInspector.inspect(row.full)
            #expect(!s.ok)
            #expect(s.errors.first?.message.contains("not a capture") == true, "\(row.path): \(s.errors)")
        }
    }

    @Test("the libpcap engine counts what the native decoder counts, wherever libpcap reads the file")
    func libpcapAgrees() throws {
        try RealData.requireData()
        var o = InspectOptions()
        o.engine = .libpcap
        var compared = 0
        for row in RealData.rows where row.kind == "ok" && !row.note.contains("libpcap") {
            let lib = CaptureInspector.inspect(row.full, options: o)
            let native = CaptureInspector.inspect(row.full)
            #expect(lib.packets == native.packets, "\(row.path): \(lib.errors)")
            #expect(lib.capturedBytes == native.capturedBytes, "\(row.path)")
            #expect(lib.conversations.count == native.conversations.count, "\(row.path)")
            compared += 1
        }
        #expect(compared >= 100)
    }

    @Test("pcapng conformance files: interfaces, lengths, timestamps and bytes as gopacket expects")
    func gopacket() throws {
        try RealData.requireData()
        let url = RealData.repo.appendingPathComponent("Tests/RealData/gopacket-pcapng-expected.json")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: Any]])
        let dir = "/deb/golang-github-gopacket-gopacket-dev/usr/share/gocode/src/github.com/gopacket/gopacket/pcapgo/tests/"
        var packetsChecked = 0
        for (name, expected) in all.sorted(by: { $0.key < $1.key }) where !name.contains("901") {
            let r = readAll(RealData.cache + dir + name)
            #expect(r.error == nil, "\(name): \(String(describing: r.error))")
            #expect(r.packets.count == expected["packets"] as? Int, "\(name)")
            let interfaces = expected["interfaces"] as? [[String: Any]] ?? []
            #expect(r.reader?.interfaces.count == interfaces.count, "\(name)")
            for (i, want) in interfaces.enumerated() where i < (r.reader?.interfaces.count ?? 0) {
                let got = r.reader!.interfaces[i]
                #expect(got.linkType == want["linktype"] as? Int, "\(name) interface \(i)")
                #expect(Int(got.ticksPerSecond) == want["ticks_per_second"] as? Int, "\(name) interface \(i)")
            }
            for want in expected["packet_list"] as? [[String: Any]] ?? [] {
                let index = want["index"] as! Int
                guard index < r.packets.count else { Issue.record("\(name): packet \(index) missing"); continue }
                let (p, bytes) = r.packets[index]
                #expect(p.capturedLength == want["caplen"] as? Int, "\(name) #\(index)")
                #expect(p.originalLength == want["origlen"] as? Int, "\(name) #\(index)")
                if let ts = want["ts"] as? String { #expect(formatSeconds(p.timeNs) == ts, "\(name) #\(index)") }
                #expect(SHA256.hex(bytes) == want["sha256"] as? String, "\(name) #\(index)")
                packetsChecked += 1
            }
        }
        #expect(packetsChecked >= 100)
    }

    @Test("host-pair conversations match tshark -z conv,ip / conv,ipv6 frame counts")
    func conversationsMatchTshark() throws {
        try RealData.requireData()
        try #require(RealData.run("tshark", ["-v"]) != nil, "tshark is not installed")
        let files = [
            RealData.repo.appendingPathComponent("Traces/sample.pcap").path,
            RealData.cache + "/deb/pathspider/usr/lib/python3/dist-packages/pathspider/tests/data/real.pcap",
            RealData.cache + "/deb/python3-dpkt/usr/share/doc/python3-dpkt/examples/data/nb6-http.pcap",
            RealData.cache + "/deb/pathspider/usr/lib/python3/dist-packages/pathspider/tests/data/icmp_ttl.pcap",
            RealData.cache + "/deb/golang-github-gopacket-gopacket-dev/usr/share/gocode/src/github.com/gopacket/gopacket/pcap/test_loopback.pcap",
        ]
        for file in files {
            let s = CaptureInspector.inspect(file)
            var ours: [String: [UInt64]] = [:]
            for (pair, c) in s.conversations.hostPairs() {
                ours[[pair.a.description, pair.b.description].sorted().joined(separator: " ")] =
                    [c.packetsAtoB, c.packetsBtoA].sorted()
            }
            var theirs: [String: [UInt64]] = [:]
            for table in ["conv,ip", "conv,ipv6"] {
                let out = try #require(RealData.run("tshark", ["-n", "-q", "-z", table, "-r", file]))
                for line in out.split(separator: "\n") where line.contains("<->") {
                    let f = line.split(separator: " ", omittingEmptySubsequences: true)
                    // A <-> B  frames bytes unit  frames bytes unit  frames ...
                    guard f.count > 9, let x = UInt64(f[3]), let y = UInt64(f[6]) else { continue }
                    theirs[[String(f[0]), String(f[2])].sorted().joined(separator: " ")] = [x, y].sorted()
                }
            }
            #expect(!theirs.isEmpty, "\(file)")
            #expect(ours == theirs, "\(file): pairs only in fmc \(Set(ours.keys).subtracting(theirs.keys)), only in tshark \(Set(theirs.keys).subtracting(ours.keys))")
            if ours != theirs {
                for (k, v) in theirs where ours[k] != v { Issue.record("\(file) \(k): fmc \(ours[k] ?? []) tshark \(v)") }
            }
        }
    }

    @Test("the hour of real LAN traffic: hosts, streams and time order")
    func realPcap() throws {
        try RealData.requireData()
        let s = CaptureInspector.inspect(RealData.cache + "/deb/pathspider/usr/lib/python3/dist-packages/pathspider/tests/data/real.pcap")
        #expect(s.packets == 62781)
        #expect(s.ok)
        #expect(s.backwardSteps == 32)
        #expect(s.warnings.contains { $0.message.contains("backwards") })
        #expect(s.hostCount == 25)
        let tcp = s.conversations.flows().filter { $0.0.ipProtocol == 6 }.count
        #expect(tcp > 5500 && tcp < 6500)
        var strict = InspectOptions()
        strict.strict = true
        #expect(!CaptureInspector.inspect(RealData.cache + "/deb/pathspider/usr/lib/python3/dist-packages/pathspider/tests/data/real.pcap", options: strict).ok)
    }
}

enum SHA256 {
    static func hex(_ bytes: [UInt8]) -> String {
        var d = SHA256Digest()
        d.update(bytes)
        return d.finish()
    }
}
