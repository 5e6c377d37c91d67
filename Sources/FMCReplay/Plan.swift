// `fmc plan`: capacity planning. For each point of a sweep (users × controllers) a synthetic
// population is derived from the scenario (its networks, sites, delays and latency model),
// emulated, and measured: peak rules per switch, peak messages/s and mappings per
// controller, loss and triangular overhead. The recommendation is the smallest number of
// controllers that keeps every switch under the table capacity and every controller under
// the message budget, for the largest population swept.
//
// Every figure is emulated (the scenario's latency model), not measured on hardware; the
// outputs say so. The population of a point depends on the user count and the seed only, so
// points with different controller counts replay the very same users, moves and packets.
// A point's inputs can be written as files (scenario, attachment trace, capture) so that a
// direct `fmc replay` reproduces the point exactly: the planner feeds the emulator the same
// events in the same order as the replay's timeline would.

import FMCCapture
import FMCControl
import FMCCore
import FMCEmulation
import FMCIO
import FMCMetrics
import FMCReport
import FMCScenario
import Foundation

public struct PlanSetting: Sendable {
    public var users = 1000
    public var controllers = 1
    /// Handovers per user per hour.
    public var handoversPerHour = 6.0
    /// Correspondents per user (stationary servers spread over the networks).
    public var peers = 2
    /// Packets per second per user–peer pair; directions alternate.
    public var packetRate = 1.0
    public var durationNs: Int64 = 60_000_000_000
    public var payload = 64
    public var strategy: HandoverStrategy = .reactive
    public var seed: UInt64 = 1
    public init() {}
}

/// What one sweep point measured.
public struct PlanPoint: Sendable {
    public var users: Int
    public var controllers: Int
    public var handovers = 0
    public var packets = 0
    public var peakRulesPerSwitch = 0
    public var peakRulesSwitch = ""
    public var peakMessagesPerSecond = 0.0
    public var peakMessagesController = ""
    public var peakMappings = 0
    public var messages = 0
    public var longDistance = 0
    public var lost = 0
    public var triangular = 0
    public var delivered = 0
    public var extraDelayP50Ms: Double?
    public var reachableP99Ms: Double?

    public var lossRate: Double { packets > 0 ? Double(lost) / Double(packets) : 0 }
    public var triangularShare: Double { delivered > 0 ? Double(triangular) / Double(delivered) : 0 }
}

public struct PlanLimits: Sendable {
    public var tableCapacity: Int?
    public var messageBudget: Double?
    public init(tableCapacity: Int? = nil, messageBudget: Double? = nil) {
        self.tableCapacity = tableCapacity
        self.messageBudget = messageBudget
    }

    public func holds(_ p: PlanPoint) -> Bool {
        (tableCapacity.map { p.peakRulesPerSwitch <= $0 } ?? true) && (messageBudget.map { p.peakMessagesPerSecond <= $0 } ?? true)
    }
}

public enum Plan {
    /// Addresses are synthetic: network i gets 2001:db8:0:i::/64 (a documentation prefix;
    /// the emulated network never sends anything), room for any population.
    static func prefix(_ i: Int) -> IPPrefix {
        IPPrefix(address: IPAddress(high: 0x2001_0DB8_0000_0000 | UInt64(i), low: 0, isIPv4: false), length: 64)
    }

    static func host(_ network: Int, _ index: UInt64) -> IPAddress {
        IPAddress(high: 0x2001_0DB8_0000_0000 | UInt64(network), low: index, isIPv4: false)
    }

    /// The scenario of a point: the base's networks, sites, delays, latency and rule constants,
    /// synthetic prefixes, and `controllers` controllers (network i served by controller
    /// i mod K, sitting at its first network's site; one controller is the centralized mode).
    public static func scenario(_ base: Scenario, controllers k: Int) -> Scenario {
        var s = base
        s.name = "\(base.name)-plan-k\(k)"
        s.networks = base.networks.enumerated().map { i, n in
            AccessNetwork(name: n.name, prefix: prefix(i), switchID: n.switchID, site: n.site)
        }
        s.controllerMode = k == 1 ? .centralized : .distributed
        s.controllers = (0..<k).map { c in
            let mine = s.networks.indices.filter { $0 % k == c }
            return Controller(id: k == 1 ? "c0" : "c\(c + 1)", site: s.networks[mine[0]].site, networks: mine.map { s.networks[$0].name })
        }
        s.mobilityFile = nil
        s.captureFile = nil
        s.nodes = NodeMapping()
        s.nodes.mode = .explicit
        return s
    }

    public enum Event {
        case attach(user: Int, network: Int, timeNs: Int64)
        case packet(timeNs: Int64, source: IPAddress, destination: IPAddress, bytes: Int)
    }

    /// The users, their moves and their packets, in time order. Moves fall on whole
    /// microseconds and packets half a microsecond later, so the two never tie and a replay
    /// of the written files meets them in this same order.
    public struct Population {
        public let setting: PlanSetting
        public let networks: Int
        public let users: [IPAddress]
        let peers: [[IPAddress]]
        var moves: [(time: Int64, user: Int, network: Int, order: Int)] = []

        public init(_ setting: PlanSetting, networks: Int) {
            self.setting = setting
            self.networks = networks
            var rng = SplitMix64(seed: setting.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(setting.users))
            users = (0..<setting.users).map { Plan.host($0 % networks, 64 + UInt64($0 / networks)) }
            // Servers: `peers` per network (at least one), numbered high in the lower half of
            // the /64 so they never meet users or locators.
            let serversPerNetwork = max(1, setting.peers)
            var peers: [[IPAddress]] = []
            for _ in 0..<setting.users {
                var mine: [IPAddress] = []
                while mine.count < min(setting.peers, networks * serversPerNetwork) {
                    let n = Int(rng.next() % UInt64(networks))
                    let a = Plan.host(n, 0x4000_0000_0000_0000 + rng.next() % UInt64(serversPerNetwork))
                    if !mine.contains(a) { mine.append(a) }
                }
                peers.append(mine)
            }
            self.peers = peers
            // Moves: a Poisson process per user; a quarter of the moves away from home go back.
            if setting.handoversPerHour > 0 && networks > 1 {
                let mean = 3600e9 / setting.handoversPerHour
                for u in 0..<setting.users {
                    let home = u % networks
                    var at = home
                    var t = 0.0
                    while true {
                        t += -log(1 - rng.uniform()) * mean
                        let ns = Int64(t / 1000) * 1000
                        guard ns < setting.durationNs else { break }
                        var to: Int
                        if at != home && rng.uniform() < 0.25 {
                            to = home
                        } else {
                            to = Int(rng.next() % UInt64(networks - 1))
                            if to >= at { to += 1 }
                        }
                        at = to
                        moves.append((max(ns, 1000), u, to, moves.count))
                    }
                }
                // Two moves of one user in the same microsecond keep the order they were drawn in.
                moves.sort { ($0.time, $0.user, $0.order) < ($1.time, $1.user, $1.order) }
            }
        }

        /// Calls `body` with every event in time order: the users attaching at home at 0,
        /// then moves and packets merged.
        public func forEach(_ body: (Event) throws -> Void) rethrows {
            for u in 0..<users.count { try body(.attach(user: u, network: u % networks, timeNs: 0)) }
            let period = setting.packetRate > 0 ? Int64((1e9 / setting.packetRate / 1000).rounded()) * 1000 : 0
            var streams = MinHeap<(time: Int64, pair: Int, sent: Int)>(less: { ($0.time, $0.pair) < ($1.time, $1.pair) })
            if period > 0 {
                var rng = SplitMix64(seed: setting.seed ^ 0x5851_F42D_4C95_7F2D ^ UInt64(setting.users))
                var pair = 0
                for u in 0..<users.count {
                    for _ in peers[u] {
                        let phase = Int64(rng.uniform() * Double(period / 1000)) * 1000 + 500
                        if phase < setting.durationNs { streams.push((phase, pair, 0)) }
                        pair += 1
                    }
                }
            }
            let perUser = max(1, setting.peers)
            let ipv4 = users.first?.isIPv4 ?? false
            let bytes = PcapWriter.frameLength(ipv4: ipv4, payload: setting.payload)
            var m = 0
            while true {
                let nextMove = m < moves.count ? moves[m].time : .max
                guard let top = streams.min, top.time < nextMove else {
                    guard m < moves.count else { break }
                    try body(.attach(user: moves[m].user, network: moves[m].network, timeNs: moves[m].time))
                    m += 1
                    continue
                }
                streams.pop()
                let u = top.pair / perUser, peer = peers[u][top.pair % perUser]
                let up = top.sent % 2 == 0
                try body(.packet(timeNs: top.time, source: up ? users[u] : peer, destination: up ? peer : users[u], bytes: bytes))
                let next = top.time + period
                if next < setting.durationNs { streams.push((next, top.pair, top.sent + 1)) }
            }
        }
    }

    /// Emulates one point and measures it.
    public static func run(_ base: Scenario, _ setting: PlanSetting) -> PlanPoint {
        let s = scenario(base, controllers: setting.controllers)
        var settings = EmulationSettings()
        settings.distributed = s.controllerMode == .distributed
        settings.strategy = setting.strategy
        settings.seed = setting.seed
        let e = Emulator(scenario: s, settings: settings)
        e.metrics.detailLimit = 0
        let pop = Population(setting, networks: s.networks.count)
        pop.forEach { ev in
            switch ev {
            case let .attach(u, n, t): e.attachment(node: pop.users[u], network: n, at: t)
            case let .packet(t, src, dst, b): e.packet(EmulatedPacket(timeNs: t, source: src, destination: dst, bytes: b))
            }
        }
        e.finish()
        return point(e, users: setting.users, controllers: setting.controllers)
    }

    /// A point's figures from an emulator that ran it (also used on a replay of its files).
    public static func point(_ e: Emulator, users: Int, controllers: Int) -> PlanPoint {
        let m = e.metrics
        var p = PlanPoint(users: users, controllers: controllers)
        p.handovers = m.handoverCount
        p.packets = m.packetsReplayed
        for (i, n) in e.scenario.networks.enumerated() where m.perSwitch[i].peak > p.peakRulesPerSwitch || p.peakRulesSwitch.isEmpty {
            p.peakRulesPerSwitch = m.perSwitch[i].peak
            p.peakRulesSwitch = n.switchID
        }
        for (id, r) in m.controllerRate.sorted(by: { $0.key < $1.key }) where r.peakPerSecond > p.peakMessagesPerSecond || p.peakMessagesController.isEmpty {
            p.peakMessagesPerSecond = r.peakPerSecond
            p.peakMessagesController = id
        }
        p.peakMappings = m.controllerMappings.values.map(\.peak).max() ?? 0
        p.messages = m.messages
        p.longDistance = m.longDistance
        p.lost = m.lost
        p.triangular = m.deliveredTriangular
        p.delivered = m.delivered
        var extra = Histogram()
        for (_, t) in m.triangular { extra.merge(t.extraDelay) }
        p.extraDelayP50Ms = extra.quantile(0.5).map { ($0 / 1e3).rounded() / 1e3 }
        p.reachableP99Ms = m.reachable.quantile(0.99).map { ($0 / 1e3).rounded() / 1e3 }
        return p
    }

    /// Runs every (users, controllers) pair on `jobs` threads; results in sweep order.
    public static func sweep(_ base: Scenario, users: [Int], controllers: [Int], template: PlanSetting, jobs: Int,
                             progress: ((Int, Int) -> Void)? = nil) -> [PlanPoint] {
        let pairs = users.flatMap { u in controllers.map { (u, $0) } }
        // Largest populations first, so the threads finish together.
        let order = pairs.indices.sorted { (pairs[$0].0, pairs[$1].1) > (pairs[$1].0, pairs[$0].1) }
        let results = PointSlots(count: pairs.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, pairs.count))) { worker in
            while let i = results.claim() {
                var s = template
                s.users = pairs[order[i]].0
                s.controllers = pairs[order[i]].1
                let done = results.set(order[i], run(base, s))
                progress?(done, pairs.count)
            }
        }
        return results.values
    }

    /// The smallest controller count meeting the limits at the largest population swept.
    public static func recommend(_ points: [PlanPoint], limits: PlanLimits) -> PlanPoint? {
        guard let top = points.map(\.users).max() else { return nil }
        return points.filter { $0.users == top && limits.holds($0) }.min { $0.controllers < $1.controllers }
    }

    /// Writes a point's inputs: `scenario.yaml`, `mobility.csv` and `capture.pcap`, replayable
    /// with `fmc replay DIR/scenario.yaml --align absolute`.
    public static func writeInputs(_ base: Scenario, _ setting: PlanSetting, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let s = scenario(base, controllers: setting.controllers)
        let pop = Population(setting, networks: s.networks.count)
        func ms(_ ns: Int64) -> String { "\(Double(ns) / 1e6)" }
        /// A YAML double-quoted scalar: names come from the user's scenario and may hold
        /// anything YAML would otherwise read differently (": ", "#", a leading "-").
        func q(_ text: String) -> String {
            var out = "\""
            for u in text.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: if u.value < 0x20 { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        }
        var y = """
            # Written by `fmc plan`: \(setting.users) users, \(setting.controllers) controller(s), seed \(setting.seed).
            # Replay with: fmc replay scenario.yaml --align absolute --strategy \(setting.strategy.rawValue) --seed \(setting.seed)
            name: \(q(s.name))
            inputs:
              mobility: mobility.csv
              mobility_format: attachments
              capture: capture.pcap
            networks:

            """
        for n in s.networks { y += "  - {name: \(q(n.name)), prefix: \"\(n.prefix)\", switch: \(q(n.switchID)), site: \(q(n.site))}\n" }
        let delays = s.siteDelays.sorted { $0.key < $1.key }
        if !delays.isEmpty {
            y += "site_delays:\n"
            for (k, v) in delays {
                let ab = k.split(separator: "|", maxSplits: 1).map(String.init)
                y += "  - {a: \(q(ab[0])), b: \(q(ab[1])), ms: \(ms(v))}\n"
            }
        }
        y += "controllers:\n  mode: \(s.controllerMode.rawValue)\n  list:\n"
        for c in s.controllers { y += "    - {id: \(q(c.id)), site: \(q(c.site)), networks: [\(c.networks.map(q).joined(separator: ", "))]}\n" }
        let l = s.latency
        y += "latency:\n"
        y += "  controller_switch_ms: \(ms(l.controllerSwitchNs))\n  controller_controller_ms: \(ms(l.controllerControllerNs))\n"
        y += "  core_ms: \(ms(l.coreNs))\n  processing_ms: \(ms(l.processingNs))\n  install_profile: \(l.installProfile.rawValue)\n"
        if let f = l.installFixedNs { y += "  install_fixed_ms: \(ms(f))\n" }
        y += "  handover_gap_ms: \(ms(l.handoverGapNs))\n"
        y += "rules: {alpha: \(s.rules.alpha), beta: \(s.rules.beta), gamma: \(s.rules.gamma), delta: \(s.rules.delta)}\n"
        y += "nodes:\n  mapping: explicit\n  explicit:\n"
        for (u, a) in pop.users.enumerated() { y += "    - {node: u\(u), address: \"\(a)\"}\n" }
        try ReplayReport.writeAtomically(y, to: dir + "/scenario.yaml")

        let trace = try OutputBuffer(path: dir + "/mobility.csv")
        trace.append("time,node,network\n")
        let csvName = s.networks.map { n in
            n.name.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + n.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : n.name
        }
        let capture = try PcapWriter(path: dir + "/capture.pcap")
        pop.forEach { ev in
            switch ev {
            case let .attach(u, n, t):
                trace.append(seconds: t)
                trace.append(",u\(u),\(csvName[n])")
                trace.newline()
            case let .packet(t, src, dst, _):
                capture.udp(at: t, from: src, 40000, to: dst, 40000, payload: setting.payload)
            }
        }
        try trace.flush()
        try capture.close()
    }

    // MARK: - outputs

    public static func csv(_ points: [PlanPoint], limits: PlanLimits) -> String {
        var s = "users,controllers,handovers,packets,peak_rules_per_switch,peak_rules_switch,peak_messages_per_s,peak_messages_controller,peak_mappings,messages,long_distance,lost,loss_rate,triangular,triangular_share,extra_delay_ms_p50,reachable_ms_p99,within_limits\n"
        for p in points {
            let row: [String] = [
                "\(p.users)", "\(p.controllers)", "\(p.handovers)", "\(p.packets)", "\(p.peakRulesPerSwitch)", p.peakRulesSwitch,
                "\(p.peakMessagesPerSecond)", p.peakMessagesController, "\(p.peakMappings)", "\(p.messages)", "\(p.longDistance)",
                "\(p.lost)", String(format: "%.6f", p.lossRate), "\(p.triangular)", String(format: "%.6f", p.triangularShare),
                p.extraDelayP50Ms.map { "\($0)" } ?? "", p.reachableP99Ms.map { "\($0)" } ?? "", limits.holds(p) ? "yes" : "no",
            ]
            s += row.joined(separator: ",") + "\n"
        }
        return s
    }

    public static func table(_ points: [PlanPoint], limits: PlanLimits) -> String {
        let head = ["users", "ctrl", "handovers", "packets", "rules/switch", "msg/s/ctrl", "mappings", "loss %", "triangular %", "fits"]
        var rows = [head]
        for p in points {
            rows.append(["\(p.users)", "\(p.controllers)", "\(p.handovers)", "\(p.packets)", "\(p.peakRulesPerSwitch)",
                         String(format: "%.0f", p.peakMessagesPerSecond), "\(p.peakMappings)", String(format: "%.3f", p.lossRate * 100),
                         String(format: "%.2f", p.triangularShare * 100), limits.holds(p) ? "yes" : "no"])
        }
        let widths = head.indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { r in r.indices.map { c in String(repeating: " ", count: widths[c] - r[c].count) + r[c] }.joined(separator: "  ") }
            .joined(separator: "\n") + "\n"
    }

    public static func html(_ points: [PlanPoint], limits: PlanLimits, recommended: PlanPoint?, title: String) -> String {
        let ks = Array(Set(points.map(\.controllers))).sorted()
        let xs = Array(Set(points.map(\.users))).sorted()
        func series(_ value: (PlanPoint) -> Double) -> [ChartSeries] {
            ks.map { k in
                ChartSeries(name: "\(k) controller\(k == 1 ? "" : "s")",
                            points: points.filter { $0.controllers == k }.sorted { $0.users < $1.users }.map { (Double($0.users), value($0)) })
            }
        }
        var rules = series { Double($0.peakRulesPerSwitch) }
        if let c = limits.tableCapacity, let lo = xs.first, let hi = xs.last {
            rules.append(ChartSeries(name: "table capacity", points: [(Double(lo), Double(c)), (Double(hi), Double(c))]))
        }
        var rate = series { $0.peakMessagesPerSecond }
        if let b = limits.messageBudget, let lo = xs.first, let hi = xs.last {
            rate.append(ChartSeries(name: "message budget", points: [(Double(lo), b), (Double(hi), b)]))
        }
        let charts = zip(["rules", "messages", "loss", "triangular"], [
            SVGChart.line(title: "Peak rules in the busiest switch", xLabel: "users (count)", yLabel: "rules (entries)", series: rules, width: 760, height: 440),
            SVGChart.line(title: "Peak message rate of the busiest controller", xLabel: "users (count)", yLabel: "messages (per second)", series: rate, width: 760, height: 440),
            SVGChart.line(title: "Packets lost", xLabel: "users (count)", yLabel: "lost (% of packets)", series: series { $0.lossRate * 100 }, width: 760, height: 440),
            SVGChart.line(title: "Triangular routing", xLabel: "users (count)", yLabel: "delivered via home switch (%)", series: series { $0.triangularShare * 100 }, width: 760, height: 440),
        ]).map { "<figure class=\"chart\" id=\"chart-\($0)\">\n\($1)</figure>" }
        let verdict = recommended.map { "Recommended: <b>\($0.controllers) controller\($0.controllers == 1 ? "" : "s")</b> for \($0.users) users (peak \($0.peakRulesPerSwitch) rules in switch \($0.peakRulesSwitch), \(String(format: "%.0f", $0.peakMessagesPerSecond)) messages/s at \($0.peakMessagesController))." }
            ?? "No configuration in the sweep keeps every switch and controller within the limits at the largest population."
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
            <style>body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
            .charts{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0;flex:1 1 100%;border:1px solid #ddd}
            figure.chart svg{display:block;width:100%;height:auto}
            p.note{color:#555}</style></head><body>
            <h1>\(title)</h1>
            <p>\(verdict)</p>
            <p class="note">Emulated: figures come from the scenario's latency model and a synthetic population, not from measurement on switches. Limits: table capacity \(limits.tableCapacity.map(String.init) ?? "none"), message budget \(limits.messageBudget.map { String(format: "%.0f/s", $0) } ?? "none").</p>
            <div class="charts">
            \(charts.joined(separator: "\n"))
            </div></body></html>

            """
    }
}

/// Results of a parallel sweep, each slot written once by the thread that ran it.
final class PointSlots: @unchecked Sendable {
    private var slots: [PlanPoint?]
    private var next = 0
    private var done = 0
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < slots.count else { return nil }
        next += 1
        return next - 1
    }

    /// Stores a result; returns how many are done (read under the lock, for progress).
    func set(_ i: Int, _ p: PlanPoint) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[i] = p
        done += 1
        return done
    }

    var values: [PlanPoint] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
