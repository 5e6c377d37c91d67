// An interrupted replay: the partial report is written, marked incomplete, and the exit
// status says so.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("fmc replay, interrupted (the binary)")
struct InterruptCLITests {
    @Test("SIGINT and SIGTERM: report.json with \"complete\": false and what was measured, exit status 1",
          arguments: [SIGINT, SIGTERM])
    func interrupted(signal: Int32) throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-int-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: d) }
        // Long enough that the signal lands mid-run on any machine (minutes uninterrupted).
        let synth = try FMCRun(["synth", "mobility", "--nodes", "4000", "--networks", "8", "--handovers", "1000000", "--out", d + "/in"])
        #expect(synth.status == 0, "\(synth.stderr)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: FMCRun.binary)
        p.arguments = ["replay", d + "/in/scenario.yaml", "--out", d + "/out", "--detail-limit", "100"]
        let errPath = d + "/stderr.txt"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let err = try #require(FileHandle(forWritingAtPath: errPath))
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        // Let it get well into the replay; the stop is polled between timeline events.
        Thread.sleep(forTimeInterval: 3)
        #expect(p.isRunning, "the replay ended before the signal")
        kill(p.processIdentifier, signal)
        // Bounded: a replay that ignores the signal is killed and the test fails.
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try err.close()
        #expect(p.terminationReason == .exit, "killed by the signal instead of handling it")
        #expect(p.terminationStatus == 1)
        let stderr = try String(contentsOfFile: errPath, encoding: .utf8)
        #expect(stderr.contains("interrupted"), "\(stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: d + "/out/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["complete"] as? Bool == false)
        let summary = try #require(report["summary"] as? [String: Any])
        let handovers = try #require(summary["handovers"] as? Int)
        #expect(handovers > 0 && handovers < 1_000_000, "\(handovers)")
        // No temporary file left beside it.
        let left = try FileManager.default.contentsOfDirectory(atPath: d + "/out").filter { $0.contains(".tmp") }
        #expect(left.isEmpty, "\(left)")
    }
}
