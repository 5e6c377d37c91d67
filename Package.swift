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
    ],
    targets: [
        .systemLibrary(
            name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CCaptureSupport"),
        .target(name: "FMCCore"),
        .target(name: "FMCCapture", dependencies: ["FMCCore", "CPcap", "CZlib", "CCaptureSupport"]),
        .executableTarget(
            name: "fmc",
            dependencies: [
                "FMCCore", "FMCCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "FMCCoreTests", dependencies: ["FMCCore"]),
        .testTarget(name: "FMCCaptureTests", dependencies: ["FMCCapture", "FMCCore"]),
        .testTarget(name: "FMCCLITests", dependencies: ["FMCCore"]),
    ],
    swiftLanguageModes: [.v5]
)
