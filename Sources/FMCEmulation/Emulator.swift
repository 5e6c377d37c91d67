// The emulated FMC network: a discrete-event engine (Int64 ns, ordered by time then
// sequence, seeded) driving the FMCControl logic with the scenario's latency model.
//
// Switches hold real flow tables (the controllers' rules plus the infrastructure rules) and
// every packet walks them hop by hop: source edge table, core, destination edge table, host.
// Each packet involving a migrating node is classified (delivered direct, delivered through
// the home switch, or lost with its cause); packets between stationary hosts take the
// network's plain routing and count as delivered direct.

import FMCControl
import FMCCore
import FMCMetrics
import FMCScenario

public enum HandoverStrategy: String, Sendable, CaseIterable {
    /// Rules after the foreign switch reports the node (after the layer-2 gap).
    case reactive
    /// The move is announced when the node leaves its old access point: the foreign
    /// controller allocates the locator and installs rules during the layer-2 gap.
    case proactive
    /// Proactive, with a dual-connected layer 2 (no gap) and a fast-failover group at the
    /// home switch that redirects the moment the node's home port goes down.
    case makeBeforeBreak = "make-before-break"
}

public enum LossCause: String, Sendable, CaseIterable {
    case detached = "detached_during_l2_gap"
    /// The node is attached nowhere: out of every access point's range, or gone from the trace.
    case absent = "node_not_attached"
    case oldLocation = "reached_old_location"
    case foreignBeforeRules = "reached_foreign_switch_before_rules"
    case noRoute = "no_route"
}

public struct EmulationSettings: Sendable {
    public var distributed = true
    public var strategy: HandoverStrategy = .reactive
    public var seed: UInt64 = 1
    public init() {}
}

/// A packet to replay: addresses and size, at a time on the emulation clock.
public struct EmulatedPacket: Sendable {
    public var timeNs: Int64
    public var source: IPAddress
    public var destination: IPAddress
    public var bytes: Int
    public init(timeNs: Int64, source: IPAddress, destination: IPAddress, bytes: Int) {
        self.timeNs = timeNs
        self.source = source
        self.destination = destination
        self.bytes = bytes
    }
}

public final class Emulator {
    public let scenario: Scenario
    public let settings: EmulationSettings
    public let topology: ControlTopology
    let controllers: [String: FMCController]
    let controllerSite: [String: String]
    var tables: [FlowTable]
    var switchIndex: [String: Int] = [:]
    var rng: SplitMix64
    var queue = MinHeap<Scheduled>(less: { $0.time < $1.time || ($0.time == $1.time && $0.seq < $1.seq) })
    var seq: UInt64 = 0
    var now: Int64 = .min
    var busyUntil: [String: Int64] = [:]
    /// Where each migrating node is: network index, nil = detached.
    var location: [IPAddress: Int?] = [:]
    /// Nodes between leaving one access point and reaching the next (the layer-2 gap).
    var inGap = Set<IPAddress>()
    public let metrics: Measurements

    /// What the event queue orders: small and trivially copied. The events themselves stay
    /// in `slots`, so heap swaps never copy rules, strings or packet state.
    struct Scheduled {
        var time: Int64
        var seq: UInt64
        var slot: Int
    }
    var slots: [Event?] = []
    var freeSlots: [Int] = []

    enum Event {
        case move(node: IPAddress, network: Int?)
        case linkUp(node: IPAddress, network: Int)
        case controllerInput(String, ControlInput, from: String)
        case ruleEffective(FlowRule, sentAt: Int64)
        case ruleRemoved(FlowRule, sentAt: Int64)
        case packet(Walk)
    }

    /// A packet in flight: where it is and what happened to it so far.
    struct Walk {
        var source: IPAddress
        var destination: IPAddress
        var origSource: IPAddress
        var origDestination: IPAddress
        var bytes: Int
        var sentAt: Int64
        var atNetwork: Int
        var inPort: SwitchPort
        var viaHome = false
        var homeNetwork: Int?
        var hops = 0
        var node: IPAddress
    }

    public init(scenario: Scenario, settings: EmulationSettings) {
        self.scenario = scenario
        self.settings = settings
        var nets: [ControlNetwork] = []
        var ctlOf: [String: String] = [:]
        for c in scenario.controllers { for n in c.networks { ctlOf[n] = c.id } }
        for n in scenario.networks {
            nets.append(ControlNetwork(name: n.name, prefix: n.prefix, switchID: n.switchID, controller: ctlOf[n.name] ?? "c0"))
        }
        var topo = ControlTopology(networks: nets, distributed: settings.distributed)
        topo.alpha = scenario.rules.alpha
        topo.beta = scenario.rules.beta
        topo.gamma = scenario.rules.gamma
        topo.delta = scenario.rules.delta
        topology = topo
        var cs: [String: FMCController] = [:]
        var sites: [String: String] = [:]
        for c in scenario.controllers {
            cs[c.id] = FMCController(id: c.id, topology: topo)
            sites[c.id] = c.site
        }
        controllers = cs
        controllerSite = sites
        rng = SplitMix64(seed: settings.seed)
        tables = scenario.networks.map { _ in FlowTable() }
        metrics = Measurements(scenario: scenario, topology: topo)
        for (i, n) in scenario.networks.enumerated() {
            switchIndex[n.switchID] = i
            for r in infrastructureRules(for: i, in: topo) { tables[i].put(r, infrastructure: true) }
        }
    }

    // MARK: - feeding

    /// A node changes attachment at `t` (network nil = detaches). Events must come in time
    /// order; everything scheduled before `t` runs first.
    public func attachment(node: IPAddress, network: Int?, at t: Int64) {
        advance(to: t)
        schedule(t, .move(node: node, network: network))
    }

    public func packet(_ p: EmulatedPacket) {
        advance(to: p.timeNs)
        let sNode = location[p.source] != nil, dNode = location[p.destination] != nil
        let sNet = topology.network(of: p.source), dNet = topology.network(of: p.destination)
        if !sNode && !dNode && sNet == nil && dNet == nil {
            // Neither end belongs to the scenario's networks (e.g. IPv6 traffic when the
            // scenario has IPv4 prefixes): not part of the replayed network at all.
            metrics.outsideScenario += 1
            return
        }
        metrics.packetsReplayed += 1
        metrics.bytesReplayed += Int64(p.bytes)
        guard sNode || dNode else {
            // Stationary hosts on both ends: the network's own routing, no FMC state.
            if sNet != nil && dNet != nil {
                metrics.deliveredStationary += 1
            } else {
                metrics.lose(.noRoute, node: nil, bytes: p.bytes, at: p.timeNs)
            }
            return
        }
        let node = dNode ? p.destination : p.source
        // Where the packet enters: the source's switch (a migrating source must be attached).
        let srcNet: Int?
        if sNode {
            guard let loc = location[p.source] ?? nil else {
                metrics.lose(inGap.contains(p.source) ? .detached : .absent, node: p.source, bytes: p.bytes, at: p.timeNs)
                return
            }
            srcNet = loc
        } else {
            srcNet = topology.network(of: p.source)
        }
        guard let start = srcNet else {
            metrics.lose(.noRoute, node: node, bytes: p.bytes, at: p.timeNs)
            return
        }
        let walk = Walk(source: p.source, destination: p.destination, origSource: p.source, origDestination: p.destination,
                        bytes: p.bytes, sentAt: p.timeNs, atNetwork: start, inPort: .host(p.source),
                        homeNetwork: topology.network(of: node), node: node)
        schedule(p.timeNs, .packet(walk))
    }

    /// Runs everything that is still scheduled.
    public func finish() {
        advance(to: .max)
        metrics.finish(at: now)
    }

    // MARK: - engine

    func schedule(_ t: Int64, _ e: Event) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = e
        } else {
            slot = slots.count
            slots.append(e)
        }
        queue.push(Scheduled(time: t, seq: seq, slot: slot))
        seq += 1
    }

    func advance(to t: Int64) {
        while let top = queue.min, top.time <= t {
            queue.pop()
            now = top.time
            let event = slots[top.slot].take()!
            freeSlots.append(top.slot)
            run(event)
        }
        if t != .max { now = max(now, t) }
    }

    func run(_ e: Event) {
        switch e {
        case let .move(node, network): move(node, network)
        case let .linkUp(node, network): linkUp(node, network)
        case let .controllerInput(c, input, from): controllerInput(c, input, from: from)
        case let .ruleEffective(r, sentAt): ruleEffective(r, sentAt: sentAt)
        case let .ruleRemoved(r, _): ruleRemoved(r)
        case let .packet(w): step(w)
        }
    }

    // MARK: - mobility

    func move(_ node: IPAddress, _ network: Int?) {
        let previous = location[node] ?? nil
        let known = location[node] != nil
        guard previous != network || !known else { return }
        location[node] = .some(nil)
        if let p = previous { notifySwitch(p, .hostDetached(switchID: scenario.networks[p].switchID, host: node)) }
        guard let n = network else { return }
        if !known {
            // First appearance: attached at once, nothing moved.
            location[node] = .some(n)
            notifySwitch(n, .hostAttached(switchID: scenario.networks[n].switchID, host: node))
            return
        }
        metrics.handoverStarted(node: node, from: previous, to: n, at: now)
        inGap.insert(node)
        let home = topology.network(of: node)
        var gap = scenario.latency.handoverGapNs
        switch settings.strategy {
        case .reactive: break
        case .proactive, .makeBeforeBreak:
            if settings.strategy == .makeBeforeBreak { gap = 0 }
            if n != home {
                // The handover is announced to the target's controller as the node leaves.
                let c = topology.networks[n].controller
                deliverToController(c, .fromController("driver", .announce(node: node, network: n)), from: "driver", site: scenario.networks[previous ?? n].site)
            }
            if settings.strategy == .makeBeforeBreak, let p = previous, p == home {
                metrics.failoverAt(node: node, at: now)
            }
        }
        schedule(now + gap, .linkUp(node: node, network: n))
    }

    func linkUp(_ node: IPAddress, _ n: Int) {
        inGap.remove(node)
        location[node] = .some(n)
        metrics.linkUp(node: node, network: n, at: now)
        notifySwitch(n, .hostAttached(switchID: scenario.networks[n].switchID, host: node))
    }

    // MARK: - control plane

    func delay(_ siteA: String, _ siteB: String) -> Int64 { scenario.delay(from: siteA, to: siteB) }

    func notifySwitch(_ n: Int, _ e: SwitchEvent) {
        let c = topology.networks[n].controller
        deliverToController(c, .fromSwitch(e), from: scenario.networks[n].switchID, site: scenario.networks[n].site)
    }

    func deliverToController(_ c: String, _ input: ControlInput, from: String, site: String) {
        let cSite = controllerSite[c] ?? site
        let isSwitch = from != "driver" && controllers[from] == nil
        let base = isSwitch ? scenario.latency.controllerSwitchNs : scenario.latency.controllerControllerNs
        let arrival = now + base + delay(site, cSite)
        if from != "driver" {
            metrics.message(type: messageType(input), from: from, to: c, longDistance: site != cSite, at: now)
        }
        schedule(arrival, .controllerInput(c, input, from: from))
    }

    func messageType(_ input: ControlInput) -> String {
        switch input {
        case let .fromSwitch(e):
            switch e {
            case .hostAttached: return "host-attached"
            case .hostDetached: return "host-detached"
            case .packetIn: return "packet-in"
            }
        case let .fromController(_, m): return m.typeName
        }
    }

    func controllerInput(_ c: String, _ input: ControlInput, from: String) {
        // One message at a time per controller, each taking the processing time.
        let start = max(now, busyUntil[c] ?? .min)
        let done = start + scenario.latency.processingNs
        busyUntil[c] = done
        metrics.controllerMessageIn(c, at: now)
        guard let ctl = controllers[c] else { return }
        let outputs = ctl.handle(input, now: done)
        let site = controllerSite[c] ?? ""
        for o in outputs {
            switch o {
            case let .install(r):
                guard let n = switchIndex[r.switchID] else { continue }
                let arrive = done + scenario.latency.controllerSwitchNs + delay(site, scenario.networks[n].site)
                metrics.message(type: "flow-mod", from: c, to: r.switchID, longDistance: site != scenario.networks[n].site, at: done)
                metrics.controllerMessageOut(c, at: done)
                let effective: Int64
                if settings.strategy == .makeBeforeBreak && r.name == "hs-redirect",
                   let f = metrics.failoverTime(node: r.node), f >= done - 1_000_000_000 {
                    // The failover bucket was pre-installed: effective when the port went down.
                    effective = max(f, done)
                } else {
                    effective = arrive + installTime()
                }
                schedule(max(effective, arrive), .ruleEffective(r, sentAt: done))
            case let .remove(r):
                guard let n = switchIndex[r.switchID] else { continue }
                let arrive = done + scenario.latency.controllerSwitchNs + delay(site, scenario.networks[n].site)
                metrics.message(type: "flow-mod", from: c, to: r.switchID, longDistance: site != scenario.networks[n].site, at: done)
                metrics.controllerMessageOut(c, at: done)
                schedule(arrive + installTime(), .ruleRemoved(r, sentAt: done))
            case let .send(to, m):
                let toSite = controllerSite[to] ?? site
                metrics.controllerMessageOut(c, at: done)
                metrics.message(type: m.typeName, from: c, to: to, longDistance: site != toSite, at: done)
                let arrival = done + scenario.latency.controllerControllerNs + delay(site, toSite)
                schedule(arrival, .controllerInput(to, .fromController(c, m), from: c))
            }
        }
        metrics.mappings(c, ctl.mappingsHeld, at: done)
    }

    /// Flow-mod install time drawn from the scenario's profile (seeded).
    func installTime() -> Int64 {
        if let fixed = scenario.latency.installFixedNs { return fixed }
        switch scenario.latency.installProfile {
        case .ovs:
            // Log-normal with median 0.15 ms and p99 0.9 ms (measured on this project's OVS).
            let z = rng.normal()
            let sigma = log(0.9 / 0.15) / 2.326
            return Int64((150_000 * exp(sigma * z)).rounded())
        case .hardware:
            return 1_000_000 + Int64(rng.uniform() * 9_000_000)
        }
    }

    func ruleEffective(_ r: FlowRule, sentAt: Int64) {
        guard let n = switchIndex[r.switchID] else { return }
        let replaced = tables[n].put(r, infrastructure: false)
        metrics.ruleInstalled(r, switchIndex: n, replaced: replaced != nil, sentAt: sentAt, at: now)
        metrics.ruleChanged(r, at: now, tables: tables)
    }

    func ruleRemoved(_ r: FlowRule) {
        guard let n = switchIndex[r.switchID], tables[n].remove(r.key, infrastructure: false) != nil else { return }
        metrics.ruleRemoved(r, switchIndex: n, at: now)
    }

    // MARK: - data plane

    func step(_ w0: Walk) {
        var w = w0
        w.hops += 1
        guard w.hops <= 8 else { metrics.lose(.noRoute, node: w.node, bytes: w.bytes, at: w.sentAt); return }
        let table = tables[w.atNetwork]
        guard let rule = table.lookup(inPort: w.inPort, arp: false, source: w.source, destination: w.destination) else {
            metrics.lose(.noRoute, node: w.node, bytes: w.bytes, at: w.sentAt)
            return
        }
        table.lastHit[rule.key] = now
        if rule.name == "hs-redirect" || rule.name == "hs-peer" { w.viaHome = rule.name == "hs-redirect" && w.inPort == .core }
        var next: SwitchPort?
        for a in rule.actions {
            switch a {
            case let .setSource(x): w.source = x
            case let .setDestination(x): w.destination = x
            case let .output(p):
                if p == .controller {
                    notifySwitch(w.atNetwork, .packetIn(switchID: scenario.networks[w.atNetwork].switchID, rule: rule.name,
                                                         source: w.origSource == w.source ? w.source : w.origSource,
                                                         destination: w.origDestination))
                } else if next == nil {
                    next = p
                }
            case .arpReply, .drop:
                break
            }
        }
        guard let out = next else {
            // Punted only (fs-base: a locator with no rule yet).
            metrics.lose(rule.name == "fs-base" ? .foreignBeforeRules : .noRoute, node: w.node, bytes: w.bytes, at: w.sentAt)
            return
        }
        switch out {
        case .core:
            guard let dn = topology.network(of: w.destination) else {
                metrics.lose(.noRoute, node: w.node, bytes: w.bytes, at: w.sentAt)
                return
            }
            let d = scenario.latency.coreNs + delay(scenario.networks[w.atNetwork].site, scenario.networks[dn].site)
            var nw = w
            nw.atNetwork = dn
            nw.inPort = .core
            schedule(now + d, .packet(nw))
        case let .host(h):
            deliver(w, to: h)
        case .local:
            deliver(w, to: w.destination)
        default:
            metrics.lose(.noRoute, node: w.node, bytes: w.bytes, at: w.sentAt)
        }
    }

    func deliver(_ w: Walk, to host: IPAddress) {
        let here = w.atNetwork
        if let loc = location[host] {
            guard let at = loc else {
                metrics.lose(inGap.contains(host) ? .detached : .absent, node: w.node, bytes: w.bytes, at: w.sentAt)
                return
            }
            guard at == here else {
                // A migrating node is elsewhere: the packet reached where it no longer is.
                metrics.lose(.oldLocation, node: w.node, bytes: w.bytes, at: w.sentAt)
                return
            }
        } else if topology.network(of: host) != here {
            // A locator or address with no host here.
            metrics.lose(location[w.node] != nil ? .foreignBeforeRules : .noRoute, node: w.node, bytes: w.bytes, at: w.sentAt)
            return
        }
        let total = now - w.sentAt
        var direct: Int64 = 0
        if w.viaHome, let src = topology.network(of: w.origSource) {
            direct = scenario.latency.coreNs + delay(scenario.networks[src].site, scenario.networks[here].site)
        }
        metrics.delivered(node: w.node, peer: w.node == w.origDestination ? w.origSource : w.origDestination,
                          triangular: w.viaHome, bytes: w.bytes, delay: total, directDelay: direct, at: now)
    }
}

#if canImport(Glibc)
import Glibc
#endif
