// `fmc inspect FILE…`: what is in a capture (how much of it is damaged, who talks to whom) or
// in a mobility trace (nodes, time span, and with a scenario the handovers).

import ArgumentParser
import FMCCapture
import FMCCore
import FMCScenario
import FMCTrace
#if canImport(Glibc)
import Glibc
#endif

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise packet captures (pcap, pcapng) and mobility traces, gzip-compressed or not.",
        discussion: """
            A file is taken as a capture when its content starts like one, otherwise as a \
            mobility trace (or as the trace format given with --format). \
            Exit status: 0 when every file was read completely, 1 when any file is damaged, \
            unreadable or has a link type fmc cannot decode (what was read before the damage \
            is still reported), 64 on a usage error.
            """)

    @Argument(help: "Capture files. The format is recognised by content, not by name.")
    var files: [String]

    @Flag(help: "Print one JSON object per file (one per line).")
    var json = false

    @Flag(help: "List IP conversations (host pairs), like `tshark -q -z conv,ip`; with --json, add conversation, flow and host lists.")
    var flows = false

    @Option(help: "Only count packets matching this tcpdump filter expression (compiled by libpcap).")
    var filter: String?

    @Flag(help: "Skip damaged records where the reader can resynchronise, and report what was skipped.")
    var lenient = false

    @Flag(help: "Treat warnings (timestamps going backwards, a capture with no records, ...) as errors.")
    var strict = false

    @Option(help: "Reader: native (fmc's decoder, default) or libpcap (libpcap's savefile reader).")
    var engine: CaptureEngine = .native

    @Option(help: "Scenario (YAML): for mobility traces, count attachments, handovers and networks visited.")
    var scenario: String?

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        if engine == .libpcap && lenient {
            throw ValidationError("--lenient needs the native engine: libpcap cannot resynchronise after damage.")
        }
    }

    func run() throws {
        let compiled: PacketFilter?
        do {
            compiled = try filter.map { try PacketFilter(expression: $0) }
        } catch let e as InputError {
            throw ValidationError(e.message)
        }
        var options = InspectOptions()
        options.lenient = lenient
        options.strict = strict
        options.engine = engine
        let showProgress = isatty(2) != 0
        var failed = false
        let loadedScenario: Scenario?
        do { loadedScenario = try scenario.map { try ScenarioLoader.load(path: $0) } } catch { throw fail(error) }
        for file in files {
            // Content decides; a capture-like name only decides which error a file that is
            // neither gets ("not a capture" rather than "unknown trace format").
            let captureName = [".pcap", ".pcapng", ".cap", ".ntar", ".pcap.gz", ".pcapng.gz"].contains { file.lowercased().hasSuffix($0) }
            if trace.format != nil || (!CaptureReader.looksLikeCapture(path: file) && !captureName) {
                let t = TraceInspector.inspect(file, format: trace.format, options: trace.mobilityOptions, scenario: loadedScenario)
                print(json ? t.json().compact : t.text(), terminator: json ? "\n" : "")
                if !json && files.count > 1 { print() }
                for e in t.errors where json { fputs("fmc: \(e)\n", stderr) }
                if !t.ok { failed = true }
                continue
            }
            let progress: ((Int) -> Void)? = showProgress
                ? { n in fputs("\r\(file): \(n) packets…", stderr) } : nil
            let summary = CaptureInspector.inspect(file, options: options, filter: compiled, progress: progress)
            if showProgress { fputs("\r\u{1B}[K", stderr) }
            if json {
                print(summary.json(includeConversations: flows).compact)
            } else {
                print(summary.text(), terminator: "")
                if flows { print(summary.conversationText(), terminator: "") }
                if files.count > 1 { print() }
            }
            for e in summary.errors where json { fputs("fmc: \(e)\n", stderr) }
            if !summary.ok { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

extension CaptureEngine: ExpressibleByArgument {}
