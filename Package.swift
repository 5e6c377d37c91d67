// swift-tools-version:6.0
// fmc: trace-driven mobility replayer and analyzer for Follow-Me Cloud.
// Targets follow ../shared/DESIGN.md §3; dependencies point downward only.
import PackageDescription

// Release builds skip the runtime exclusivity checks (the compile-time ones stay): the
// replay's hot loops access class state millions of times a second and the dynamic checks
// cost about a tenth of the run. Debug builds, which the tests use, keep them.
let hot: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "fmc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fmc", targets: ["fmc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
        .target(name: "FMCCore", swiftSettings: hot),
        .target(name: "FMCIO", dependencies: ["FMCCore", "CZlib", "CCrypto"], swiftSettings: hot),
        .target(name: "FMCCapture", dependencies: ["FMCCore", "FMCIO", "CPcap", "CCaptureSupport"], swiftSettings: hot),
        .target(name: "FMCScenario", dependencies: ["FMCCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "FMCTrace", dependencies: ["FMCCore", "FMCIO", "FMCScenario"], swiftSettings: hot),
        .target(name: "FMCControl", dependencies: ["FMCCore"], swiftSettings: hot),
        .target(name: "FMCMetrics", dependencies: ["FMCCore"], swiftSettings: hot),
        .target(name: "FMCEmulation", dependencies: ["FMCCore", "FMCControl", "FMCMetrics", "FMCScenario"], swiftSettings: hot),
        .target(name: "FMCReport", dependencies: ["FMCCore"]),
        .target(name: "FMCReplay", dependencies: ["FMCCore", "FMCIO", "FMCReport", "FMCCapture", "FMCControl", "FMCEmulation", "FMCMetrics", "FMCScenario", "FMCTimeline", "FMCTrace"], swiftSettings: hot),
        .target(name: "FMCTimeline", dependencies: ["FMCCore", "FMCCapture", "FMCTrace", "FMCScenario"], swiftSettings: hot),
        .target(name: "FMCCompare", dependencies: ["FMCCore"]),
        .target(name: "FMCHistory", dependencies: ["FMCCompare", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "fmc",
            dependencies: [
                "FMCCore", "FMCIO", "FMCCapture", "FMCScenario", "FMCTrace", "FMCTimeline", "FMCReplay", "FMCEmulation", "FMCReport",
                "FMCCompare", "FMCHistory",
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
        .testTarget(name: "FMCCompareTests", dependencies: ["FMCCompare", "FMCCore"]),
        .testTarget(name: "FMCHistoryTests", dependencies: ["FMCHistory", "FMCCompare", "FMCCore"]),
        .target(name: "FMCTestSupport", path: "Tests/FMCTestSupport"),
        .testTarget(name: "FMCReportTests", dependencies: ["FMCReport", "FMCCore", "FMCTestSupport"]),
        .testTarget(name: "FMCCLITests", dependencies: ["FMCCore", "FMCTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
