// The `fmc` binary as a user runs it: exit statuses, JSON keys, where errors go.

import FMCCore
import Foundation
import Testing

/// Runs the fmc binary built beside this test bundle.
struct FMCRun {
    var status: Int32
    var stdout: String
    var stderr: String

    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["FMC_BIN"] { return b }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("fmc").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/fmc").path
    }()

    /// A new empty folder under the system's temporary folder (the caller removes it).
    static func temporaryFolder(_ label: String) throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FMCRun.binary)
        p.arguments = args
        let out = Pipe()
        // stderr goes to a file so a full pipe can never block the child while we read stdout.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let errHandle = try #require(FileHandle(forWritingAtPath: errPath))
        p.standardOutput = out
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try errHandle.close()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        status = p.terminationStatus
        stdout = String(decoding: outData, as: UTF8.self)
        stderr = String(decoding: errData, as: UTF8.self)
    }

    func json() throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}

@Suite("fmc inspect (the binary)")
struct InspectCLITests {
    let sample = FMCRun.repo.appendingPathComponent("Traces/sample.pcap").path

    @Test("the sample capture: exit 0 and every documented JSON key")
    func sampleJSON() throws {
        let r = try FMCRun(["inspect", "--json", sample])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try r.json().first)
        for key in ["file", "format", "compressed", "linktype", "packets", "bytes", "ipv4", "ipv6", "hosts", "flows",
                    "first_ns", "last_ns", "errors"] {
            #expect(o[key] != nil, "missing key \(key)")
        }
        #expect(o["format"] as? String == "pcap")
        #expect(o["compressed"] as? Bool == false)
        #expect(o["linktype"] as? Int == 1)
        #expect((o["packets"] as? Int ?? 0) > 1000)
        #expect((o["ipv4"] as? Int ?? 0) > 0 && (o["ipv6"] as? Int ?? 0) > 0)
        #expect((o["errors"] as? [Any])?.isEmpty == true)
        #expect(r.stderr.isEmpty, "progress must not go to a non-terminal stderr")
    }

    @Test("damaged, missing and non-capture files: exit 1, an error naming the file, other files still reported")
    func errors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.pcap").path
        try "just some text\n".write(toFile: text, atomically: true, encoding: .utf8)
        let sampleBytes = try Data(contentsOf: URL(fileURLWithPath: sample))
        let cut = dir.appendingPathComponent("cut.pcap").path
        try sampleBytes.prefix(sampleBytes.count - 100).write(to: URL(fileURLWithPath: cut))

        let r = try FMCRun(["inspect", "--json", sample, text, cut, dir.appendingPathComponent("missing.pcap").path])
        #expect(r.status == 1)
        let objects = try r.json()
        #expect(objects.count == 4)
        #expect((objects[0]["errors"] as? [String])?.isEmpty == true)
        #expect((objects[1]["errors"] as? [String])?.first?.contains("notes.pcap: byte offset 0: not a capture") == true)
        let cutError = try #require((objects[2]["errors"] as? [String])?.first)
        #expect(cutError.contains("cut.pcap: record"))
        #expect(cutError.contains("byte offset"))
        #expect((objects[2]["packets"] as? Int ?? 0) > 1000, "what was read before the damage is reported")
        #expect((objects[3]["errors"] as? [String])?.first?.contains("No such file") == true)
        #expect(r.stderr.contains("notes.pcap"))

        let lenient = try FMCRun(["inspect", "--json", "--lenient", cut])
        #expect(lenient.status == 0)
        #expect(try lenient.json().first?["skipped_records"] as? Int == 1)

        let human = try FMCRun(["inspect", cut])
        #expect(human.status == 1)
        #expect(human.stdout.contains("error: ") && human.stdout.contains("cut.pcap"))
    }

    @Test("--filter, --flows and --engine libpcap")
    func options() throws {
        let all = try #require(try FMCRun(["inspect", "--json", sample]).json().first)
        let udp = try #require(try FMCRun(["inspect", "--json", "--filter", "udp", sample]).json().first)
        #expect((udp["packets"] as? Int ?? 0) > 0)
        #expect((udp["packets"] as? Int ?? 0) < (all["packets"] as? Int ?? 0))
        #expect(udp["records"] as? Int == all["packets"] as? Int)

        let flows = try FMCRun(["inspect", "--flows", sample])
        #expect(flows.stdout.contains("198.18.1.10") && flows.stdout.contains("<->"))
        let flowsJSON = try #require(try FMCRun(["inspect", "--json", "--flows", sample]).json().first)
        #expect((flowsJSON["conversations"] as? [Any])?.count == all["host_pairs"] as? Int)
        #expect((flowsJSON["flow_list"] as? [Any])?.count == all["flows"] as? Int)

        let lib = try #require(try FMCRun(["inspect", "--json", "--engine", "libpcap", sample]).json().first)
        #expect(lib["packets"] as? Int == all["packets"] as? Int)
        #expect(lib["flows"] as? Int == all["flows"] as? Int)
    }

    @Test("usage errors exit 64 with a message")
    func usage() throws {
        let badFilter = try FMCRun(["inspect", "--filter", "udp and and", sample])
        #expect(badFilter.status == 64)
        #expect(badFilter.stderr.contains("cannot compile"))
        let both = try FMCRun(["inspect", "--engine", "libpcap", "--lenient", sample])
        #expect(both.status == 64)
        let none = try FMCRun(["inspect"])
        #expect(none.status == 64)
    }
}
