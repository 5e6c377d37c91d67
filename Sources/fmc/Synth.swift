// `fmc synth`: inputs made to order. `fmc synth paper` writes the FMC paper's setting.

import ArgumentParser
import FMCReplay
import FMCReport
import FMCScenario
import FMCTrace
import Foundation

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic inputs.",
        subcommands: [Paper.self, PaperSweepCommand.self, Mobility.self])

    struct PaperSweepCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paper-sweep",
            abstract: "The paper's Figures 5 and 6 by replay, for n = 0…N (CSV and SVG).",
            discussion: """
                For each n: one migration with n home peers, n foreign peers and n correspondent \
                networks of one peer each, replayed with a centralized controller at the foreign \
                site and with distributed controllers. Writes rules.csv, long-distance.csv, \
                fig5-rules.svg, fig6-long-distance.svg, and report.md and report.html (see `fmc report`).
                """)
        @Option(help: "Largest n.") var max: Int = 20
        @Option(help: "Output folder.") var out: String = "Reports/paper"

        func validate() throws {
            guard max >= 0 && max <= 100 else { throw ValidationError("--max must be between 0 and 100") }
        }

        func run() throws {
            do {
                let work = out + "/inputs"
                let points = try PaperSweep.run(maxN: max, workDir: work) { try MobilityTrace.open($0) }
                try PaperSweep.write(points, to: out)
                try ReportPages.write(run: out, formats: [.all])
                print("n   centralized  distributed-max  (formula)   long-distance: centralized  FC")
                for p in points {
                    print(String(format: "%-3d %11d  %15d  (%d / %d)   %26d  %3d", p.n, p.centralizedRules, p.distributedMaxRules,
                                 p.formulaCentralized, p.formulaForeign, p.centralizedLongDistance, p.foreignControllerLongDistance))
                }
                print("Wrote \(out)/rules.csv, long-distance.csv, fig5-rules.svg, fig6-long-distance.svg, report.md, report.html")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Mobility: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A population of nodes moving between access networks (mobility only).",
            discussion: "Writes DIR/scenario.yaml and DIR/mobility.csv (native attachment format); `fmc replay DIR/scenario.yaml` replays them.")

        @Option(help: "Nodes.") var nodes: Int = 1000
        @Option(help: "Access networks (at most \(MobilitySynth.maxNetworks)).") var networks: Int = 8
        @Option(help: "Handovers in all.") var handovers: Int = 10_000
        @Option(help: "Mean time between two handovers of the population, ms.") var intervalMs: Double = 1
        @Option(help: "Controller mode written into the scenario.") var controller: ControllerMode = .distributed
        @Option(help: "Seed.") var seed: UInt64 = 1
        @Option(help: "Output folder.") var out: String

        func validate() throws {
            guard nodes > 0 && nodes <= networks * 4000 else { throw ValidationError("--nodes must be between 1 and 4000 per network") }
            guard networks >= 1 && networks <= MobilitySynth.maxNetworks else { throw ValidationError("--networks must be between 1 and \(MobilitySynth.maxNetworks)") }
            guard handovers >= 0 else { throw ValidationError("--handovers must not be negative") }
            guard intervalMs > 0 else { throw ValidationError("--interval-ms must be positive") }
        }

        func run() throws {
            var m = MobilitySetting()
            m.nodes = nodes
            m.networks = networks
            m.handovers = handovers
            m.intervalNs = Int64(intervalMs * 1e6)
            m.seed = seed
            m.distributed = controller == .distributed
            do { try MobilitySynth.write(m, to: out) } catch { throw fail(error) }
            print("Wrote \(out)/scenario.yaml, \(out)/mobility.csv")
        }
    }

    struct Paper: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The FMC paper's setting: one migration with H home, F foreign and C peers in each of K correspondent networks.",
            discussion: "Writes DIR/scenario.yaml, DIR/mobility.csv and DIR/capture.pcap; `fmc replay DIR/scenario.yaml` replays them.")

        @Option(help: "Home peers (H).") var homePeers: Int = 1
        @Option(help: "Foreign peers (F).") var foreignPeers: Int = 1
        @Option(help: "Correspondent networks (K).") var cnets: Int = 1
        @Option(help: "Peers in each correspondent network (C).") var cnetPeers: Int = 1
        @Option(help: "One-way delay between sites, ms.") var siteDelayMs: Double = 20
        @Option(help: "Output folder.") var out: String

        func validate() throws {
            for (v, n) in [(homePeers, "--home-peers"), (foreignPeers, "--foreign-peers"), (cnetPeers, "--cnet-peers")]
            where v < 0 || v > PaperSynth.maxPeers {
                throw ValidationError("\(n) must be between 0 and \(PaperSynth.maxPeers)")
            }
            guard cnets >= 0 && cnets <= PaperSynth.maxCnets else { throw ValidationError("--cnets must be between 0 and \(PaperSynth.maxCnets)") }
            guard siteDelayMs >= 0 else { throw ValidationError("--site-delay-ms must not be negative") }
        }

        func run() throws {
            var p = PaperSetting(homePeers: homePeers, foreignPeers: foreignPeers, cnets: cnets, cnetPeers: cnetPeers)
            p.siteDelayMs = siteDelayMs
            do { try PaperSynth.write(p, to: out) } catch { throw fail(error) }
            print("Wrote \(out)/scenario.yaml, \(out)/mobility.csv, \(out)/capture.pcap")
        }
    }
}
