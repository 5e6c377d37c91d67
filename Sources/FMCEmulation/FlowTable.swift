// An emulated OpenFlow table: priority lookup over the rules in effect, indexed by the exact
// addresses most FMC rules match on, so lookups stay cheap with thousands of rules.

import FMCControl
import FMCCore

final class FlowTable {
    private var byKey: [RuleKey: FlowRule] = [:]
    private var byDestination: [IPAddress: [FlowRule]] = [:]
    private var bySource: [IPAddress: [FlowRule]] = [:]
    /// Rules matching on one host's access port or one ARP target (per-node ARP rules).
    private var byPortOrTarget: [IPAddress: [FlowRule]] = [:]
    private var others: [FlowRule] = []
    /// Rules that count as FMC rules (infrastructure excluded).
    private(set) var fmcCount = 0
    /// Last time each rule matched a packet (idle timeouts).
    var lastHit: [RuleKey: Int64] = [:]

    var rules: Dictionary<RuleKey, FlowRule>.Values { byKey.values }

    static func portOrTarget(_ m: FlowMatch) -> IPAddress? {
        if let t = m.arpTarget { return t }
        if case let .host(a)? = m.inPort { return a }
        return nil
    }

    static func exact(_ p: IPPrefix?) -> IPAddress? {
        guard let p, p.length == (p.address.isIPv4 ? 32 : 128) else { return nil }
        return p.address
    }

    /// Adds or replaces (same match and priority) a rule; returns the rule it replaced.
    @discardableResult
    func put(_ r: FlowRule, infrastructure: Bool) -> FlowRule? {
        let old = remove(r.key, infrastructure: infrastructure)
        byKey[r.key] = r
        if let d = FlowTable.exact(r.match.destination) {
            byDestination[d, default: []].append(r)
        } else if let s = FlowTable.exact(r.match.source) {
            bySource[s, default: []].append(r)
        } else if let a = FlowTable.portOrTarget(r.match) {
            byPortOrTarget[a, default: []].append(r)
        } else {
            others.append(r)
            others.sort { $0.priority > $1.priority }
        }
        if !infrastructure { fmcCount += 1 }
        return old
    }

    @discardableResult
    func remove(_ key: RuleKey, infrastructure: Bool) -> FlowRule? {
        guard let r = byKey.removeValue(forKey: key) else { return nil }
        if let d = FlowTable.exact(r.match.destination) {
            byDestination[d]?.removeAll { $0.key == key }
            if byDestination[d]?.isEmpty == true { byDestination[d] = nil }
        } else if let s = FlowTable.exact(r.match.source) {
            bySource[s]?.removeAll { $0.key == key }
            if bySource[s]?.isEmpty == true { bySource[s] = nil }
        } else if let a = FlowTable.portOrTarget(r.match) {
            byPortOrTarget[a]?.removeAll { $0.key == key }
            if byPortOrTarget[a]?.isEmpty == true { byPortOrTarget[a] = nil }
        } else {
            others.removeAll { $0.key == key }
        }
        lastHit[key] = nil
        if !infrastructure { fmcCount -= 1 }
        return r
    }

    func contains(_ key: RuleKey) -> Bool { byKey[key] != nil }

    /// The highest-priority rule matching the packet.
    func lookup(inPort: SwitchPort, arp: Bool, source: IPAddress, destination: IPAddress) -> FlowRule? {
        var best: FlowRule?
        func consider(_ list: [FlowRule]?) {
            guard let list else { return }
            for r in list where (best == nil || r.priority > best!.priority)
                && r.match.matches(inPort: inPort, arp: arp, arpTarget: arp ? destination : nil, source: source, destination: destination) {
                best = r
            }
        }
        consider(byDestination[destination])
        consider(bySource[source])
        if case let .host(a) = inPort { consider(byPortOrTarget[a]) }
        if arp { consider(byPortOrTarget[destination]) }
        for r in others {
            if let b = best, b.priority >= r.priority { break }
            if r.match.matches(inPort: inPort, arp: arp, arpTarget: arp ? destination : nil, source: source, destination: destination) {
                best = r
                break
            }
        }
        return best
    }
}
