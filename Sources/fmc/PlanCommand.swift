// `fmc plan`: capacity planning over a sweep of populations and controller counts.

import ArgumentParser
import FMCCore
import FMCEmulation
import FMCReplay
import FMCScenario
import FMCTrace
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Size controllers and flow tables: emulate synthetic populations over a sweep.",
        discussion: """
            Each point (users × controllers) emulates a population derived from the scenario's \
            networks, sites, delays and latency model: users homed round-robin over the networks, \
            moving as a Poisson process, each exchanging packets with --peers stationary servers. \
            With K controllers, network i is served by controller i mod K (K = 1 is the \
            centralized controller). The handover rate defaults to the scenario's mobility trace \
            (handovers per node-hour) when it names one, else 6 per hour.

            Writes DIR/plan.csv, DIR/plan.json, DIR/plan.html and, for the recommended point, \
            DIR/recommended/ (scenario, attachment trace, capture) that `fmc replay \
            DIR/recommended/scenario.yaml --align absolute` replays to the same figures. \
            Exit status: 0 with a recommendation, 1 when no swept configuration meets the \
            limits (or on bad input), 64 on a usage error.

            Sweeps: `users=1000..100000` (10 log-spaced values; `users=1000..100000:20` for \
            20), `users=500,1000,2000` (a list), `controllers=1..16` (every integer; counts \
            above the scenario's networks are skipped).
            """)

    @Argument(help: "Scenario file (YAML): its networks, sites, delays and latency model.")
    var scenario: String

    @Option(name: .customLong("sweep"), help: "NAME=RANGE, for users and controllers (repeat the option).")
    var sweeps: [String] = []

    @Option(help: "Handovers per user per hour (default: from the scenario's mobility trace, else 6).")
    var handoverRate: Double?

    @Option(help: "Mobility trace to take the handover rate from (default: the scenario's inputs.mobility).")
    var mobility: String?

    @Option(help: "Correspondent servers per user.")
    var peers: Int = 2

    @Option(help: "Packets per second per user–server pair (directions alternate).")
    var packetRate: Double = 1

    @Option(help: "Emulated seconds per point.")
    var duration: Double = 60

    @Option(help: "Flow-table capacity of a switch (entries).")
    var tableCapacity: Int?

    @Option(help: "Messages per second a controller may handle.")
    var messageBudget: Double?

    @Option(help: "Handover strategy: reactive, proactive or make-before-break.")
    var strategy: HandoverStrategy = .reactive

    @Option(help: "Seed of the populations and of the emulation.")
    var seed: UInt64 = 1

    @Option(help: "Points emulated at once (default: the cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output folder.")
    var out: String = "Reports/plan"

    @Flag(help: "Print the points as JSON instead of a table.")
    var json = false

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        guard peers >= 0 else { throw ValidationError("--peers must not be negative") }
        guard packetRate >= 0, packetRate.isFinite else { throw ValidationError("--packet-rate must not be negative") }
        guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be positive") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let r = handoverRate { guard r >= 0, r.isFinite else { throw ValidationError("--handover-rate must not be negative") } }
        if let c = tableCapacity { guard c > 0 else { throw ValidationError("--table-capacity must be positive") } }
        if let b = messageBudget { guard b > 0 else { throw ValidationError("--message-budget must be positive") } }
        _ = try parsedSweeps()
    }

    /// The sweep values by name (users, controllers).
    func parsedSweeps() throws -> (users: [Int], controllers: [Int]) {
        var users: [Int] = [1000], controllers: [Int] = [1]
        for s in sweeps {
            let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--sweep '\(s)': expected NAME=RANGE, e.g. users=1000..100000") }
            let values = try PlanCommand.values(parts[1], log: parts[0] == "users", option: s)
            switch parts[0] {
            case "users":
                guard values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--sweep '\(s)': users must be at least 1") }
                users = values
            case "controllers":
                guard values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--sweep '\(s)': controllers must be at least 1") }
                controllers = values
            default:
                throw ValidationError("--sweep '\(s)': unknown name '\(parts[0])' (users or controllers)")
            }
        }
        return (users, controllers)
    }

    /// `a..b[:n]` or `a,b,c`. Ranges of users are log-spaced (n values, default 10); other
    /// ranges take every integer.
    static func values(_ text: String, log: Bool, option: String) throws -> [Int] {
        if text.contains("..") {
            var body = Substring(text), count = 10
            if let colon = text.firstIndex(of: ":") {
                guard let n = Int(text[text.index(after: colon)...]), n >= 1 else { throw ValidationError("--sweep '\(option)': the count after ':' must be a positive integer") }
                count = n
                body = text[..<colon]
            }
            let ends = body.components(separatedBy: "..")
            guard ends.count == 2, let lo = Int(ends[0]), let hi = Int(ends[1]), lo <= hi else {
                throw ValidationError("--sweep '\(option)': a range is LOW..HIGH with LOW <= HIGH")
            }
            guard log else { return Array(lo...hi) }
            guard count > 1, lo < hi, lo > 0 else { return [lo] }
            let r = pow(Double(hi) / Double(lo), 1 / Double(count - 1))
            var out: [Int] = []
            for i in 0..<count {
                let v = i == count - 1 ? hi : Int((Double(lo) * pow(r, Double(i))).rounded())
                if out.last != v { out.append(v) }
            }
            return out
        }
        let list = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { throw ValidationError("--sweep '\(option)': expected LOW..HIGH or a comma-separated list of integers") }
        return Array(Set(list.map { $0! })).sorted()
    }

    func run() throws {
        let base: Scenario
        var setting = PlanSetting()
        var rateNote: String
        let (users, allControllers): ([Int], [Int])
        do {
            base = try ScenarioLoader.load(path: scenario)
            (users, allControllers) = try parsedSweeps()
            if let r = handoverRate {
                setting.handoversPerHour = r
                rateNote = "given"
            } else if let path = mobility ?? base.mobilityFile {
                let format = trace.format ?? base.mobilityFormat.flatMap { MobilityFormat(rawValue: $0) }
                let r = try PlanCommand.traceRate(base, path, format: format, options: trace.mobilityOptions)
                setting.handoversPerHour = r.rate
                rateNote = "from \(path): \(r.handovers) handovers of \(r.nodes) nodes in \(String(format: "%.0f", Double(r.spanNs) / 1e9)) s"
            } else {
                rateNote = "default"
            }
        } catch {
            throw fail(error)
        }
        let controllers = allControllers.filter { $0 <= base.networks.count }
        let skipped = allControllers.filter { $0 > base.networks.count }
        guard !controllers.isEmpty else {
            throw fail(InputError(file: scenario, place: .whole, message: "the scenario has \(base.networks.count) networks: no swept controller count fits"))
        }
        setting.peers = peers
        setting.packetRate = packetRate
        setting.durationNs = Int64((duration * 1e9).rounded())
        setting.strategy = strategy
        setting.seed = seed
        let limits = PlanLimits(tableCapacity: tableCapacity, messageBudget: messageBudget)

        fputs("fmc plan: \(users.count * controllers.count) points, handover rate \(String(format: "%.3g", setting.handoversPerHour))/user/h (\(rateNote))\n", stderr)
        if !skipped.isEmpty {
            fputs("fmc plan: skipped controller counts \(skipped.map(String.init).joined(separator: ", ")): more than the scenario's \(base.networks.count) networks\n", stderr)
        }
        let tty = isatty(2) != 0
        let points = Plan.sweep(base, users: users, controllers: controllers, template: setting, jobs: jobs) { done, total in
            if tty { fputs("\r\(done)/\(total) points…", stderr) }
        }
        if tty { fputs("\r\u{1B}[K", stderr) }
        let best = Plan.recommend(points, limits: limits)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try ReplayReport.writeAtomically(Plan.csv(points, limits: limits), to: out + "/plan.csv")
            try ReplayReport.writeAtomically(planJSON(points, setting, limits, best).pretty, to: out + "/plan.json")
            try ReplayReport.writeAtomically(Plan.html(points, limits: limits, recommended: best, title: "Capacity plan: \(base.name)"), to: out + "/plan.html")
            if let best {
                var s = setting
                s.users = best.users
                s.controllers = best.controllers
                try Plan.writeInputs(base, s, to: out + "/recommended")
            }
        } catch {
            throw fail(error)
        }
        if json {
            print(planJSON(points, setting, limits, best).pretty, terminator: "")
        } else {
            print(Plan.table(points, limits: limits), terminator: "")
            print("(emulated: the scenario's latency model and a synthetic population; not measured on switches)")
        }
        if let best {
            print("recommended: \(best.controllers) controller\(best.controllers == 1 ? "" : "s") for \(best.users) users "
                  + "(peak \(best.peakRulesPerSwitch) rules/switch, \(String(format: "%.0f", best.peakMessagesPerSecond)) messages/s/controller)")
            print("confirm with: fmc replay \(out)/recommended/scenario.yaml --align absolute --strategy \(strategy.rawValue) --seed \(seed)")
        } else {
            print("no swept configuration keeps every switch and controller within the limits at \(users.max()!) users")
        }
        print("Wrote \(out)/plan.csv, plan.json, plan.html")
        if best == nil { throw ExitCode(1) }
    }

    func planJSON(_ points: [PlanPoint], _ s: PlanSetting, _ limits: PlanLimits, _ best: PlanPoint?) -> JSON {
        func point(_ p: PlanPoint) -> JSON {
            .object([
                ("users", .int(p.users)), ("controllers", .int(p.controllers)), ("handovers", .int(p.handovers)),
                ("packets", .int(p.packets)), ("peak_rules_per_switch", .int(p.peakRulesPerSwitch)),
                ("peak_rules_switch", .string(p.peakRulesSwitch)), ("peak_messages_per_s", .double(p.peakMessagesPerSecond)),
                ("peak_messages_controller", .string(p.peakMessagesController)), ("peak_mappings", .int(p.peakMappings)),
                ("messages", .int(p.messages)), ("long_distance", .int(p.longDistance)), ("lost", .int(p.lost)),
                ("triangular", .int(p.triangular)), ("delivered", .int(p.delivered)),
                ("extra_delay_ms_p50", p.extraDelayP50Ms.map { .double($0) } ?? .null),
                ("reachable_ms_p99", p.reachableP99Ms.map { .double($0) } ?? .null),
                ("within_limits", .bool(limits.holds(p))),
            ])
        }
        return .object([
            ("schema", .string("fmc-plan/1")),
            ("mode", .string("emulated")),
            ("note", .string("synthetic populations derived from the scenario; delays, processing and install times from its latency model")),
            ("scenario", .string(scenario)),
            ("setting", .object([
                ("handovers_per_user_hour", .double(s.handoversPerHour)), ("peers", .int(s.peers)),
                ("packet_rate_per_pair", .double(s.packetRate)), ("duration_s", .double(Double(s.durationNs) / 1e9)),
                ("strategy", .string(s.strategy.rawValue)), ("seed", .int(Int64(bitPattern: s.seed))),
            ])),
            ("limits", .object([
                ("table_capacity", limits.tableCapacity.map { .int($0) } ?? .null),
                ("message_budget", limits.messageBudget.map { .double($0) } ?? .null),
            ])),
            ("recommended", best.map(point) ?? .null),
            ("points", .array(points.map(point))),
        ])
    }

    /// Handovers per node-hour in a trace, through the scenario's access networks.
    static func traceRate(_ s: Scenario, _ path: String, format: MobilityFormat?, options: MobilityOptions) throws
        -> (rate: Double, nodes: Int, handovers: Int, spanNs: Int64) {
        let stream = try AttachmentStream(reader: try MobilityTrace.open(path, format: format, options: options), scenario: s)
        var nodes = Set<Int>()
        var first: Int64?, last: Int64 = 0
        while let e = try stream.next() {
            nodes.insert(e.node)
            if first == nil { first = e.timeNs }
            last = e.timeNs
        }
        let span = last - (first ?? last)
        let h = stream.stats.handovers
        guard !nodes.isEmpty, span > 0 else { return (0, nodes.count, h, span) }
        return (Double(h) / Double(nodes.count) / (Double(span) / 3600e9), nodes.count, h, span)
    }
}
