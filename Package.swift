// swift-tools-version:6.0
// fmc: trace-driven mobility replayer and analyzer for Follow-Me Cloud.
// Targets follow ../shared/DESIGN.md §3; dependencies point downward only.
import PackageDescription

let package = Package(
    name: "fmc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fmc", targets: ["fmc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .target(name: "CCaptureSupport"),
        .target(name: "FMCCore"),
        .target(name: "FMCIO", dependencies: ["FMCCore", "CZlib", "CCrypto"]),
        .target(name: "FMCCapture", dependencies: ["FMCCore", "FMCIO", "CPcap", "CCaptureSupport"]),
        .target(name: "FMCScenario", dependencies: ["FMCCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "FMCTrace", dependencies: ["FMCCore", "FMCIO", "FMCScenario"]),
        .target(name: "FMCControl", dependencies: ["FMCCore"]),
        .target(name: "FMCMetrics", dependencies: ["FMCCore"]),
        .target(name: "FMCEmulation", dependencies: ["FMCCore", "FMCControl", "FMCMetrics", "FMCScenario"]),
        .target(name: "FMCReport", dependencies: ["FMCCore"]),
        .target(name: "FMCReplay", dependencies: ["FMCCore", "FMCIO", "FMCReport", "FMCCapture", "FMCControl", "FMCEmulation", "FMCMetrics", "FMCScenario", "FMCTimeline", "FMCTrace"]),
        .target(name: "FMCTimeline", dependencies: ["FMCCore", "FMCCapture", "FMCTrace", "FMCScenario"]),
        .executableTarget(
            name: "fmc",
            dependencies: [
                "FMCCore", "FMCIO", "FMCCapture", "FMCScenario", "FMCTrace", "FMCTimeline", "FMCReplay", "FMCEmulation", "FMCReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "FMCCoreTests", dependencies: ["FMCCore", "FMCIO"]),
        .testTarget(name: "FMCCaptureTests", dependencies: ["FMCCapture", "FMCCore", "FMCIO"]),
        .testTarget(name: "FMCScenarioTests", dependencies: ["FMCScenario", "FMCCore"]),
        .testTarget(name: "FMCTraceTests", dependencies: ["FMCTrace", "FMCScenario", "FMCCore", "FMCIO"]),
        .testTarget(name: "FMCControlTests", dependencies: ["FMCControl", "FMCCore"]),
        .testTarget(name: "FMCEmulationTests", dependencies: ["FMCEmulation", "FMCControl", "FMCScenario", "FMCCore"]),
        .testTarget(name: "FMCReplayTests", dependencies: ["FMCReplay", "FMCEmulation", "FMCTrace", "FMCScenario", "FMCCore"]),
        .testTarget(name: "FMCTimelineTests", dependencies: ["FMCTimeline", "FMCTrace", "FMCScenario", "FMCCapture", "FMCCore"]),
        .testTarget(name: "FMCReportTests", dependencies: ["FMCReport", "FMCCore"]),
        .testTarget(name: "FMCCLITests", dependencies: ["FMCCore"]),
    ],
    swiftLanguageModes: [.v5]
)
