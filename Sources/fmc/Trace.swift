// `fmc trace convert`: any mobility trace to fmc's normalised CSV (attachments or sampled
// positions), so every format can be checked, compared and reused elsewhere.

import ArgumentParser
import FMCCore
import FMCIO
import FMCScenario
import FMCTrace
#if canImport(Glibc)
import Glibc
#endif

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with mobility traces.",
        subcommands: [Convert.self])
}

/// Options every command that reads a mobility trace shares.
struct TraceInputOptions: ParsableArguments {
    @Option(help: "Trace format, when its content does not tell: \(MobilityFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: MobilityFormat?

    @Option(help: "Wi-Fi log line pattern: a regular expression with named groups time, ap, client, type.")
    var wifiPattern: String?

    @Option(help: "Year for Wi-Fi syslog timestamps that carry none.")
    var year: Int?

    var mobilityOptions: MobilityOptions {
        var o = MobilityOptions()
        o.wifiPattern = wifiPattern
        o.wifiYear = year
        return o
    }
}

extension MobilityFormat: ExpressibleByArgument {}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a mobility trace to attachments or sampled positions (CSV).",
        discussion: """
            --to attachments writes `time,node,network,cell` (fmc's native attachment format; \
            network empty when detached); position traces need --scenario for the access points. \
            --to positions writes `time,node,x,y,z` (or `time,node,lon,lat,z` for geographic \
            traces) every --step seconds. Times are seconds with nine decimals. Exit status 1 on \
            bad input (what was converted before it is kept), 64 on a usage error.
            """)

    enum Target: String, ExpressibleByArgument, CaseIterable { case attachments, positions }

    @Argument(help: "The mobility trace (any supported format, gzip or not).")
    var input: String

    @Option(help: "What to write: attachments or positions.")
    var to: Target

    @Option(help: "Sampling step in seconds for --to positions.")
    var step: Double = 1

    @Option(help: "Scenario file (YAML) with the access points that turn positions into attachments.")
    var scenario: String?

    @Option(name: [.short, .long], help: "Write here instead of standard output.")
    var output: String?

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        guard step > 0, step.isFinite else { throw ValidationError("--step must be a positive number of seconds") }
    }

    func run() throws {
        let out: OutputBuffer
        do { out = try output.map { try OutputBuffer(path: $0) } ?? OutputBuffer() } catch { throw fail(error) }
        do {
            let reader = try MobilityTrace.open(input, format: trace.format, options: trace.mobilityOptions)
            switch to {
            case .positions:
                let sampler = PositionSampler(reader: reader, stepNs: Int64((step * 1e9).rounded()))
                out.append(reader.coordinates == .geographic ? "time,node,lon,lat,z\n" : "time,node,x,y,z\n")
                let decimals = reader.coordinates == .geographic ? 8 : 6
                while let s = try sampler.next() {
                    out.append(seconds: s.timeNs)
                    out.append(byte: 44)
                    out.append(reader.nodes.name(s.node) ?? "")
                    out.append(byte: 44)
                    out.append(fixed: s.position.x, decimals: decimals)
                    out.append(byte: 44)
                    out.append(fixed: s.position.y, decimals: decimals)
                    out.append(byte: 44)
                    out.append(fixed: s.position.z, decimals: 6)
                    out.newline()
                }
            case .attachments:
                let scn = try scenario.map { try ScenarioLoader.load(path: $0) }
                let stream = try AttachmentStream(reader: reader, scenario: scn)
                out.append("time,node,network,cell\n")
                while let e = try stream.next() {
                    out.append(seconds: e.timeNs)
                    out.append(byte: 44)
                    out.append(reader.nodes.name(e.node) ?? "")
                    out.append(byte: 44)
                    out.append(e.network ?? "")
                    out.append(byte: 44)
                    out.append(e.point ?? "")
                    out.newline()
                }
            }
            try out.flush()
        } catch {
            try? out.flush()
            throw fail(error)
        }
    }
}

/// Prints an input error the way every command does and turns it into exit status 1.
func fail(_ error: Error) -> Error {
    if error is ExitCode || error is ValidationError { return error }
    fputs("fmc: \(error)\n", stderr)
    return ExitCode(1)
}
