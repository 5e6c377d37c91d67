// Reads a scenario from YAML (through Yams' node tree, which keeps line numbers) and checks it.
//
// Every mistake is reported with the file, the line and the key path, e.g.
// `scenario.yaml:14: key 'networks[1].access_points[0].radius': must be a positive number`.
// Unknown keys are errors too: a misspelt key silently falling back to a default would
// make a replay measure something other than what its author meant.

import FMCCore
import Foundation
import Yams

public enum ScenarioLoader {
    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, place: .whole, message: "cannot read the scenario file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: path, place: .whole, message: "the scenario is not UTF-8 text")
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String = "<scenario>") throws -> Scenario {
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: yaml) else {
                throw InputError(file: file, place: .whole, message: "the scenario is empty")
            }
            root = r
        } catch let e as YamlError {
            throw InputError(file: file, place: yamlErrorPlace(e), message: "not valid YAML: \(yamlErrorProblem(e))")
        }
        var r = Reader(file: file)
        return try r.scenario(root)
    }

    static func yamlErrorPlace(_ e: YamlError) -> InputPlace {
        switch e {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _): return .line(mark.line, column: mark.column)
        default: return .whole
        }
    }

    static func yamlErrorProblem(_ e: YamlError) -> String {
        switch e {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _): return problem
        default: return "\(e)"
        }
    }
}

/// Walks the YAML node tree with a key path for messages.
struct Reader {
    let file: String

    func fail(_ node: Node?, _ path: String, _ message: String) -> InputError {
        InputError(file: file, place: .key(path, line: node?.mark?.line), message: message)
    }

    func mapping(_ node: Node, _ path: String, allowed: [String]) throws -> [(String, Node)] {
        guard case let .mapping(m) = node else { throw fail(node, path, "must be a mapping (key: value ...)") }
        var out: [(String, Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let key = k.string else { throw fail(k, path, "keys must be text") }
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw fail(k, full, "unknown key (known here: \(allowed.joined(separator: ", ")))")
            }
            guard seen.insert(key).inserted else { throw fail(k, full, "given twice") }
            out.append((key, v))
        }
        return out
    }

    func sequence(_ node: Node, _ path: String) throws -> [Node] {
        guard case let .sequence(s) = node else { throw fail(node, path, "must be a list") }
        return Array(s)
    }

    func string(_ node: Node, _ path: String) throws -> String {
        guard case let .scalar(s) = node, !s.string.isEmpty else { throw fail(node, path, "must be non-empty text") }
        return s.string
    }

    func number(_ node: Node, _ path: String, min: Double? = nil, positive: Bool = false) throws -> Double {
        guard case let .scalar(s) = node, let v = Double(s.string.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw fail(node, path, "must be a number")
        }
        if positive && v <= 0 { throw fail(node, path, "must be a positive number") }
        if let min, v < min { throw fail(node, path, "must be at least \(min)") }
        return v
    }

    func integer(_ node: Node, _ path: String, min: Int = 0) throws -> Int {
        guard case let .scalar(s) = node, let v = Int(s.string.trimmingCharacters(in: .whitespaces)) else {
            throw fail(node, path, "must be a whole number")
        }
        guard v >= min else { throw fail(node, path, "must be at least \(min)") }
        return v
    }

    /// Milliseconds (possibly fractional) to integer nanoseconds.
    func millis(_ node: Node, _ path: String) throws -> Int64 {
        Int64((try number(node, path, min: 0) * 1e6).rounded())
    }

    mutating func scenario(_ root: Node) throws -> Scenario {
        var s = Scenario()
        s.file = file
        let top = try mapping(root, "", allowed: ["name", "inputs", "sites", "site_delays", "networks", "controllers", "latency",
                                                   "rules", "attachment", "nodes"])
        var controllersNode: Node?
        var siteDelaysNode: Node?
        for (k, v) in top {
            switch k {
            case "name": s.name = try string(v, k)
            case "inputs":
                let dir = (file as NSString).deletingLastPathComponent
                func resolve(_ p: String) -> String { p.hasPrefix("/") || dir.isEmpty ? p : dir + "/" + p }
                for (ik, iv) in try mapping(v, "inputs", allowed: ["mobility", "mobility_format", "capture"]) {
                    switch ik {
                    case "mobility": s.mobilityFile = resolve(try string(iv, "inputs.mobility"))
                    case "capture": s.captureFile = resolve(try string(iv, "inputs.capture"))
                    default: s.mobilityFormat = try string(iv, "inputs.mobility_format")
                    }
                }
            case "sites": s.sites = try sites(v)
            case "site_delays": siteDelaysNode = v
            case "networks": s.networks = try networks(v)
            case "controllers": controllersNode = v
            case "latency": s.latency = try latency(v)
            case "rules": s.rules = try rules(v)
            case "attachment": s.attachment = try attachment(v)
            case "nodes": s.nodes = try nodes(v)
            default: break
            }
        }
        guard !s.networks.isEmpty else { throw fail(root, "networks", "at least one access network is needed") }
        try checkNetworks(s, root)
        // Sites: declared, or implied by the names networks use.
        var siteNames = s.sites.map(\.name)
        if siteNames.isEmpty {
            for n in s.networks where !siteNames.contains(n.site) { siteNames.append(n.site) }
            s.sites = siteNames.map { Site(name: $0, latitude: nil, longitude: nil) }
        } else {
            for n in s.networks where !siteNames.contains(n.site) {
                throw fail(root, "networks.\(n.name).site", "site '\(n.site)' is not among the declared sites")
            }
        }
        s.siteDelays = try siteDelays(siteDelaysNode, s)
        let (mode, list) = try controllers(controllersNode, s)
        s.controllerMode = mode
        s.controllers = list
        if case let .mapping(m)? = controllersNode, let site = m["site"]?.string { s.centralizedSite = site }
        try checkNodeMapping(s, root)
        return s
    }

    func sites(_ node: Node) throws -> [Site] {
        var out: [Site] = []
        for (i, item) in try sequence(node, "sites").enumerated() {
            let p = "sites[\(i)]"
            var site = Site(name: "", latitude: nil, longitude: nil)
            for (k, v) in try mapping(item, p, allowed: ["name", "lat", "lon"]) {
                switch k {
                case "name": site.name = try string(v, "\(p).name")
                case "lat":
                    let lat = try number(v, "\(p).lat")
                    guard abs(lat) <= 90 else { throw fail(v, "\(p).lat", "latitude must be within ±90 degrees") }
                    site.latitude = lat
                default:
                    let lon = try number(v, "\(p).lon")
                    guard abs(lon) <= 180 else { throw fail(v, "\(p).lon", "longitude must be within ±180 degrees") }
                    site.longitude = lon
                }
            }
            guard !site.name.isEmpty else { throw fail(item, "\(p).name", "is required") }
            guard (site.latitude == nil) == (site.longitude == nil) else {
                throw fail(item, p, "give both lat and lon, or neither")
            }
            guard !out.contains(where: { $0.name == site.name }) else { throw fail(item, "\(p).name", "site '\(site.name)' is declared twice") }
            out.append(site)
        }
        return out
    }

    func siteDelays(_ node: Node?, _ s: Scenario) throws -> [String: Int64] {
        var delays: [String: Int64] = [:]
        let names = s.sites.map(\.name)
        // From coordinates: great-circle distance at the propagation speed.
        for (i, a) in s.sites.enumerated() {
            for b in s.sites[(i + 1)...] {
                guard let la = a.latitude, let oa = a.longitude, let lb = b.latitude, let ob = b.longitude else { continue }
                let metres = greatCircleMetres(lat1: la, lon1: oa, lat2: lb, lon2: ob)
                delays[key(a.name, b.name)] = Int64((metres / s.latency.propagationMetresPerSecond * 1e9).rounded())
            }
        }
        guard let node else { return delays }
        for (i, item) in try sequence(node, "site_delays").enumerated() {
            let p = "site_delays[\(i)]"
            var a = "", b = ""
            var ns: Int64 = -1
            for (k, v) in try mapping(item, p, allowed: ["a", "b", "ms"]) {
                switch k {
                case "a": a = try string(v, "\(p).a")
                case "b": b = try string(v, "\(p).b")
                default: ns = try millis(v, "\(p).ms")
                }
            }
            for (name, k) in [(a, "a"), (b, "b")] where !names.contains(name) {
                throw fail(item, "\(p).\(k)", name.isEmpty ? "is required" : "unknown site '\(name)'")
            }
            guard a != b else { throw fail(item, p, "a delay needs two different sites") }
            guard ns >= 0 else { throw fail(item, "\(p).ms", "is required") }
            delays[key(a, b)] = ns
        }
        return delays
    }

    func key(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    func networks(_ node: Node) throws -> [AccessNetwork] {
        var out: [AccessNetwork] = []
        for (i, item) in try sequence(node, "networks").enumerated() {
            let p = "networks[\(i)]"
            var name = "", prefix: IPPrefix?, sw = "", site = ""
            var aps: [AccessPoint] = []
            for (k, v) in try mapping(item, p, allowed: ["name", "prefix", "switch", "site", "access_points"]) {
                switch k {
                case "name": name = try string(v, "\(p).name")
                case "prefix":
                    let text = try string(v, "\(p).prefix")
                    guard let pr = IPPrefix(text) else { throw fail(v, "\(p).prefix", "'\(text)' is not a prefix like 198.18.1.0/24") }
                    prefix = pr
                case "switch": sw = try string(v, "\(p).switch")
                case "site": site = try string(v, "\(p).site")
                default:
                    for (j, apNode) in try sequence(v, "\(p).access_points").enumerated() {
                        let q = "\(p).access_points[\(j)]"
                        var ap = AccessPoint(name: "", x: .nan, y: .nan, radius: .nan)
                        for (ak, av) in try mapping(apNode, q, allowed: ["name", "x", "y", "radius"]) {
                            switch ak {
                            case "name": ap.name = try string(av, "\(q).name")
                            case "x": ap.x = try number(av, "\(q).x")
                            case "y": ap.y = try number(av, "\(q).y")
                            default: ap.radius = try number(av, "\(q).radius", positive: true)
                            }
                        }
                        for (field, value) in [("x", ap.x), ("y", ap.y), ("radius", ap.radius)] where value.isNaN {
                            throw fail(apNode, "\(q).\(field)", "is required")
                        }
                        if ap.name.isEmpty { ap.name = "\(name.isEmpty ? "net\(i)" : name)-ap\(j)" }
                        aps.append(ap)
                    }
                }
            }
            guard !name.isEmpty else { throw fail(item, "\(p).name", "is required") }
            guard let prefix else { throw fail(item, "\(p).prefix", "is required") }
            out.append(AccessNetwork(name: name, prefix: prefix, switchID: sw.isEmpty ? "s-\(name)" : sw,
                                     site: site.isEmpty ? name : site, accessPoints: aps))
        }
        return out
    }

    func checkNetworks(_ s: Scenario, _ root: Node) throws {
        var names = Set<String>(), switches = Set<String>(), aps = Set<String>()
        for (i, n) in s.networks.enumerated() {
            let p = "networks[\(i)]"
            guard names.insert(n.name).inserted else { throw fail(root, "\(p).name", "network '\(n.name)' is declared twice") }
            guard switches.insert(n.switchID).inserted else {
                throw fail(root, "\(p).switch", "switch '\(n.switchID)' serves two networks; each access network has its own edge switch")
            }
            for ap in n.accessPoints {
                guard aps.insert(ap.name).inserted else { throw fail(root, "\(p).access_points", "access point '\(ap.name)' is declared twice") }
            }
            for (j, m) in s.networks.enumerated() where j < i {
                if m.prefix.contains(n.prefix.address) || n.prefix.contains(m.prefix.address) {
                    throw fail(root, "\(p).prefix", "\(n.prefix) overlaps \(m.prefix) of network '\(m.name)'")
                }
            }
        }
    }

    func controllers(_ node: Node?, _ s: Scenario) throws -> (ControllerMode, [Controller]) {
        func preset(_ mode: ControllerMode, site: String?) -> (ControllerMode, [Controller]) {
            switch mode {
            case .centralized:
                // The paper places the centralized controller near the foreign switch; without
                // a site given, it sits at the first network's site.
                return (mode, [Controller(id: "c0", site: site ?? s.networks[0].site, networks: s.networks.map(\.name))])
            case .distributed:
                return (mode, s.networks.map { Controller(id: "c-\($0.name)", site: $0.site, networks: [$0.name]) })
            }
        }
        guard let node else { return preset(.distributed, site: nil) }
        if case let .scalar(sc) = node {
            guard let mode = ControllerMode(rawValue: sc.string) else {
                throw fail(node, "controllers", "'\(sc.string)' is not a preset: use centralized or distributed, or a mapping")
            }
            return preset(mode, site: nil)
        }
        var mode = ControllerMode.distributed
        var site: String?
        var listNode: Node?
        for (k, v) in try mapping(node, "controllers", allowed: ["mode", "site", "list"]) {
            switch k {
            case "mode":
                let text = try string(v, "controllers.mode")
                guard let m = ControllerMode(rawValue: text) else { throw fail(v, "controllers.mode", "must be centralized or distributed") }
                mode = m
            case "site":
                let text = try string(v, "controllers.site")
                guard s.sites.contains(where: { $0.name == text }) else { throw fail(v, "controllers.site", "unknown site '\(text)'") }
                site = text
            default: listNode = v
            }
        }
        guard let listNode else { return preset(mode, site: site) }
        var list: [Controller] = []
        var owner: [String: String] = [:]
        for (i, item) in try sequence(listNode, "controllers.list").enumerated() {
            let p = "controllers.list[\(i)]"
            var c = Controller(id: "", site: "", networks: [])
            for (k, v) in try mapping(item, p, allowed: ["id", "site", "networks"]) {
                switch k {
                case "id": c.id = try string(v, "\(p).id")
                case "site": c.site = try string(v, "\(p).site")
                default:
                    for (j, n) in try sequence(v, "\(p).networks").enumerated() {
                        let name = try string(n, "\(p).networks[\(j)]")
                        guard s.network(named: name) != nil else { throw fail(n, "\(p).networks[\(j)]", "unknown network '\(name)'") }
                        if let other = owner[name] {
                            throw fail(n, "\(p).networks[\(j)]", "network '\(name)' is already controlled by '\(other)'")
                        }
                        owner[name] = c.id.isEmpty ? p : c.id
                        c.networks.append(name)
                    }
                }
            }
            guard !c.id.isEmpty else { throw fail(item, "\(p).id", "is required") }
            guard !list.contains(where: { $0.id == c.id }) else { throw fail(item, "\(p).id", "controller '\(c.id)' is declared twice") }
            if c.site.isEmpty { c.site = s.network(named: c.networks.first ?? "")?.site ?? s.networks[0].site }
            guard s.sites.contains(where: { $0.name == c.site }) else { throw fail(item, "\(p).site", "unknown site '\(c.site)'") }
            list.append(c)
        }
        for n in s.networks where owner[n.name] == nil {
            throw fail(listNode, "controllers.list", "network '\(n.name)' has no controller")
        }
        if mode == .centralized && list.count != 1 {
            throw fail(listNode, "controllers.list", "centralized mode has exactly one controller, \(list.count) are listed")
        }
        return (mode, list)
    }

    func latency(_ node: Node) throws -> LatencyModel {
        var l = LatencyModel()
        for (k, v) in try mapping(node, "latency", allowed: ["controller_switch_ms", "controller_controller_ms", "core_ms",
                                                              "processing_ms", "install_profile", "install_fixed_ms",
                                                              "handover_gap_ms", "propagation_mps"]) {
            let p = "latency.\(k)"
            switch k {
            case "controller_switch_ms": l.controllerSwitchNs = try millis(v, p)
            case "controller_controller_ms": l.controllerControllerNs = try millis(v, p)
            case "core_ms": l.coreNs = try millis(v, p)
            case "processing_ms": l.processingNs = try millis(v, p)
            case "handover_gap_ms": l.handoverGapNs = try millis(v, p)
            case "install_fixed_ms": l.installFixedNs = try millis(v, p)
            case "propagation_mps": l.propagationMetresPerSecond = try number(v, p, positive: true)
            default:
                let text = try string(v, p)
                guard let prof = InstallProfile(rawValue: text) else {
                    throw fail(v, p, "'\(text)' is not a profile: use \(InstallProfile.allCases.map(\.rawValue).joined(separator: " or "))")
                }
                l.installProfile = prof
            }
        }
        return l
    }

    func rules(_ node: Node) throws -> RuleConstants {
        var r = RuleConstants()
        for (k, v) in try mapping(node, "rules", allowed: ["alpha", "beta", "gamma", "delta", "peer_idle_timeout_s"]) {
            let n = try integer(v, "rules.\(k)")
            switch k {
            case "alpha": r.alpha = n
            case "beta": r.beta = n
            case "gamma": r.gamma = n
            case "peer_idle_timeout_s":
                // OpenFlow carries idle_timeout in 16 bits.
                guard n <= Int(UInt16.max) else { throw fail(v, "rules.peer_idle_timeout_s", "must be at most 65535 seconds (OpenFlow's idle_timeout is 16 bits), got \(n)") }
                r.peerIdleTimeoutS = n
            default: r.delta = n
            }
        }
        return r
    }

    func attachment(_ node: Node) throws -> AttachmentSettings {
        var a = AttachmentSettings()
        for (k, v) in try mapping(node, "attachment", allowed: ["margin_m", "min_dwell_s"]) {
            switch k {
            case "margin_m": a.marginMetres = try number(v, "attachment.margin_m", min: 0)
            default: a.minimumDwellNs = Int64((try number(v, "attachment.min_dwell_s", min: 0) * 1e9).rounded())
            }
        }
        return a
    }

    func nodes(_ node: Node) throws -> NodeMapping {
        var m = NodeMapping()
        for (k, v) in try mapping(node, "nodes", allowed: ["mapping", "seed", "explicit"]) {
            switch k {
            case "mapping":
                let text = try string(v, "nodes.mapping")
                guard let mode = NodeMapping.Mode(rawValue: text) else { throw fail(v, "nodes.mapping", "must be auto or explicit") }
                m.mode = mode
            case "seed": m.seed = UInt64(try integer(v, "nodes.seed"))
            default:
                for (i, item) in try sequence(v, "nodes.explicit").enumerated() {
                    let p = "nodes.explicit[\(i)]"
                    var name = "", address: IPAddress?
                    for (ik, iv) in try mapping(item, p, allowed: ["node", "address"]) {
                        if ik == "node" {
                            name = try string(iv, "\(p).node")
                        } else {
                            let text = try string(iv, "\(p).address")
                            guard let a = IPAddress(text) else { throw fail(iv, "\(p).address", "'\(text)' is not an IP address") }
                            address = a
                        }
                    }
                    guard !name.isEmpty else { throw fail(item, "\(p).node", "is required") }
                    guard let address else { throw fail(item, "\(p).address", "is required") }
                    guard !m.explicit.contains(where: { $0.node == name }) else { throw fail(item, "\(p).node", "node '\(name)' is mapped twice") }
                    guard !m.explicit.contains(where: { $0.address == address }) else {
                        throw fail(item, "\(p).address", "address \(address) is mapped twice")
                    }
                    m.explicit.append((name, address))
                }
            }
        }
        if m.mode == .explicit && m.explicit.isEmpty {
            throw fail(node, "nodes.explicit", "explicit mapping needs at least one node: address pair")
        }
        return m
    }

    func checkNodeMapping(_ s: Scenario, _ root: Node) throws {
        for (i, pair) in s.nodes.explicit.enumerated() where !s.networks.contains(where: { $0.prefix.contains(pair.address) }) {
            throw fail(root, "nodes.explicit[\(i)].address",
                       "\(pair.address) is in no network's prefix, so no controller would be its home controller")
        }
    }
}

/// Great-circle distance (haversine) on a sphere of the Earth's mean radius.
public func greatCircleMetres(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
    let r = 6_371_008.8
    let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
    let dp = (lat2 - lat1) * .pi / 180, dl = (lon2 - lon1) * .pi / 180
    let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * r * asin(min(1, sqrt(a)))
}
