// `fmc timeline`: the merged stream a replay consumes, printed, so a user can check how a
// mobility trace and a capture were joined (alignment, scaling, looping, who plays whom).

import ArgumentParser
import FMCCapture
import FMCCore
import FMCIO
import FMCScenario
import FMCTimeline
import FMCTrace

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Print the merged timeline of a mobility trace and a capture (CSV).",
        discussion: """
            Columns: time (s, trace clock), kind (attach, detach, packet), node (trace node), \
            host (its capture address), network, point, src, dst, protocol, length. The \
            mapping of trace nodes to capture hosts follows the scenario's `nodes` section.
            """)

    @Argument(help: "The mobility trace.")
    var traceFile: String

    @Option(help: "The capture to place on the trace's clock.")
    var capture: String?

    @Option(help: "Scenario (YAML): networks, access points, node mapping.")
    var scenario: String

    @Option(help: "How capture time meets trace time: start (first packet at the first trace event) or absolute.")
    var align: TimelineOptions.Align = .start

    @Option(help: "Multiply capture durations by this factor.")
    var scale: Double = 1

    @Flag(help: "Repeat the capture until the trace's last event.")
    var loop = false

    @Option(help: "Only packets matching this tcpdump filter expression.")
    var filter: String?

    @Option(help: "Stop after this many events (0 = all).")
    var limit: Int = 0

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be a positive number") }
        guard limit >= 0 else { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        do {
            let scn = try ScenarioLoader.load(path: scenario)
            let compiled = try filter.map { try PacketFilter(expression: $0) }
            // The capture's hosts, for the automatic node mapping.
            var hosts: [IPAddress] = []
            if let capture {
                let summary = CaptureInspector.inspect(capture, filter: compiled)
                if let e = summary.errors.first { throw e }
                var set = Set<IPAddress>()
                for (p, _) in summary.conversations.hostPairs() { set.insert(p.a); set.insert(p.b) }
                hosts = set.sorted()
            }
            let reader = try MobilityTrace.open(traceFile, format: trace.format, options: trace.mobilityOptions)
            let stream = try AttachmentStream(reader: reader, scenario: scn)
            var options = TimelineOptions()
            options.align = align
            options.scale = scale
            options.loop = loop
            let timeline = try Timeline(attachments: stream, capture: capture, filter: compiled, options: options)
            let assigner = NodeAssigner(mapping: scn.nodes, captureHosts: hosts, scenario: scn, names: reader.nodes)
            let out = OutputBuffer()
            out.append("time,kind,node,host,network,point,src,dst,protocol,length\n")
            var n = 0
            while let e = try timeline.next() {
                out.append(seconds: e.timeNs)
                switch e {
                case let .attachment(a):
                    let host = assigner.host(for: a.node).map { $0.description } ?? ""
                    out.append(a.network == nil ? ",detach," : ",attach,")
                    out.append("\(reader.nodes.name(a.node) ?? ""),\(host),\(a.network ?? ""),\(a.point ?? ""),,,,")
                case let .packet(p):
                    let node = assigner.nodeOf[p.info.source].flatMap { reader.nodes.name($0) } ?? ""
                    out.append(",packet,\(node),,,,\(p.info.source),\(p.info.destination),\(p.info.ipProtocol),\(p.length)")
                }
                out.newline()
                n += 1
                if limit > 0 && n >= limit { break }
            }
            try out.flush()
        } catch {
            throw fail(error)
        }
    }
}

extension TimelineOptions.Align: ExpressibleByArgument {}
