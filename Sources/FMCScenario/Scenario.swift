// The network being replayed: access networks and their access points, sites and the delays
// between them, controllers and what each controls, the latency model, the FMC rule
// constants, and how trace nodes map to capture hosts. Loaded from YAML by `ScenarioLoader`.
//
// Every field has a default taken from the FMC paper or from measurements on this project's
// testbed (shared/testbed-notes.md), so a scenario only states what differs.

import FMCCore

public struct Scenario: Sendable {
    public var name: String = "scenario"
    public var sites: [Site] = []
    /// One-way delays between sites in nanoseconds, keyed "a|b" with a < b. Filled from the
    /// site coordinates (great-circle distance at a propagation speed) unless given.
    public var siteDelays: [String: Int64] = [:]
    public var networks: [AccessNetwork] = []
    public var controllers: [Controller] = []
    public var controllerMode: ControllerMode = .distributed
    /// Where a centralized controller sits when the mode is chosen at replay time
    /// (`controllers.site`); the paper puts it near the foreign switch.
    public var centralizedSite: String?
    public var latency = LatencyModel()
    public var rules = RuleConstants()
    public var attachment = AttachmentSettings()
    public var nodes = NodeMapping()
    /// The file it came from, for messages.
    public var file: String = ""
    /// Inputs the scenario names (`inputs:`), resolved against the scenario's folder.
    public var mobilityFile: String?
    public var mobilityFormat: String?
    public var captureFile: String?

    public init() {}

    public func network(named name: String) -> AccessNetwork? { networks.first { $0.name == name } }

    /// All access points with the index of their network.
    public var accessPoints: [(network: Int, point: AccessPoint)] {
        var out: [(Int, AccessPoint)] = []
        for (i, n) in networks.enumerated() { for ap in n.accessPoints { out.append((i, ap)) } }
        return out
    }

    /// One-way delay between two sites; 0 within a site.
    public func delay(from a: String, to b: String) -> Int64 {
        if a == b { return 0 }
        return siteDelays[a < b ? "\(a)|\(b)" : "\(b)|\(a)"] ?? 0
    }
}

public struct Site: Sendable, Equatable {
    public var name: String
    /// Degrees, when the site is placed on the globe (delays then follow from distance).
    public var latitude: Double?
    public var longitude: Double?
    public init(name: String, latitude: Double? = nil, longitude: Double? = nil) {
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
    }
}

public struct AccessPoint: Sendable, Equatable {
    public var name: String
    /// Position in the trace's coordinates: metres, or lon/lat degrees for geographic traces.
    public var x: Double
    public var y: Double
    /// Coverage radius in metres.
    public var radius: Double
    public init(name: String, x: Double, y: Double, radius: Double) {
        self.name = name
        self.x = x
        self.y = y
        self.radius = radius
    }
}

public struct AccessNetwork: Sendable, Equatable {
    public var name: String
    public var prefix: IPPrefix
    /// The edge switch (OpenFlow datapath) serving this network.
    public var switchID: String
    public var site: String
    public var accessPoints: [AccessPoint] = []
    public init(name: String, prefix: IPPrefix, switchID: String, site: String, accessPoints: [AccessPoint] = []) {
        self.name = name
        self.prefix = prefix
        self.switchID = switchID
        self.site = site
        self.accessPoints = accessPoints
    }
}

public enum ControllerMode: String, Sendable {
    case centralized
    case distributed
}

public struct Controller: Sendable, Equatable {
    public var id: String
    public var site: String
    /// Names of the access networks whose edge switches this controller controls.
    public var networks: [String]
    public init(id: String, site: String, networks: [String]) {
        self.id = id
        self.site = site
        self.networks = networks
    }
}

/// Latencies of the emulated network (DESIGN.md §2, "Latency model"). Nanoseconds.
public struct LatencyModel: Sendable, Equatable {
    /// One-way controller↔switch delay added to the site-to-site delay (same site: this only).
    public var controllerSwitchNs: Int64 = 100_000
    /// One-way controller↔controller delay added to the site-to-site delay.
    public var controllerControllerNs: Int64 = 100_000
    /// One-way delay across the core between two access networks, added to the site delay.
    public var coreNs: Int64 = 1_000_000
    /// Controller processing time per message.
    public var processingNs: Int64 = 50_000
    /// Flow-mod install-time profile of the switches.
    public var installProfile: InstallProfile = .ovs
    /// A constant install time instead of the profile's distribution (hand-checkable runs,
    /// what-if questions). nil = use the profile.
    public var installFixedNs: Int64?
    /// Layer-2 gap: a moving node is unreachable for this long when it changes access point.
    public var handoverGapNs: Int64 = 50_000_000
    /// Propagation speed used to derive site delays from coordinates (m/s; fibre ≈ 2e8).
    public var propagationMetresPerSecond: Double = 2e8
}

public enum InstallProfile: String, Sendable, CaseIterable {
    /// Measured on this project's Open vSwitch testbed: median ≈ 0.15 ms, p99 ≈ 0.9 ms.
    case ovs
    /// Hardware switches per the switch-measurement literature: 1–10 ms per flow-mod.
    case hardware
}

/// FMC rule constants of the paper (α = 3, β = 6, γ = 3, δ = 6).
public struct RuleConstants: Sendable, Equatable {
    public var alpha = 3
    public var beta = 6
    public var gamma = 3
    public var delta = 6
    /// OpenFlow idle timeout of the per-peer rules (hs-peer, fs-peer, cs-peer), seconds;
    /// 0 = they never expire. An expired rule is gone from the switch, the controller hears
    /// of it (flow-removed) and installs it again on the peer's next packet-in.
    public var peerIdleTimeoutS = 0
}

/// How positions become attachments.
public struct AttachmentSettings: Sendable, Equatable {
    /// Another access point must be this much closer (metres) before a node leaves one that
    /// still covers it.
    public var marginMetres: Double = 5
    /// ... and must stay so for this long (ns) before the switch happens.
    public var minimumDwellNs: Int64 = 1_000_000_000
    public init(marginMetres: Double = 5, minimumDwellNs: Int64 = 1_000_000_000) {
        self.marginMetres = marginMetres
        self.minimumDwellNs = minimumDwellNs
    }
}

/// Which capture host (address) plays which trace node.
public struct NodeMapping: Sendable, Equatable {
    public enum Mode: String, Sendable { case explicit, auto }
    public var mode: Mode = .auto
    /// Explicit pairs: trace node name → capture address.
    public var explicit: [(node: String, address: IPAddress)] = []
    /// Seed of the deterministic `auto` assignment.
    public var seed: UInt64 = 1

    public init() {}

    public static func == (a: NodeMapping, b: NodeMapping) -> Bool {
        a.mode == b.mode && a.seed == b.seed && a.explicit.count == b.explicit.count
            && zip(a.explicit, b.explicit).allSatisfy { $0.node == $1.node && $0.address == $1.address }
    }
}
