// swift-tools-version:6.1
import PackageDescription

// The io_uring driver is behind a trait (on by default) so that
// `swift build --disable-default-traits` builds the epoll and pool drivers on a
// machine without liburing-dev.
let package = Package(
    name: "Compio",
    products: [
        .library(name: "Compio", targets: ["Compio"]),
        .library(name: "CompioSim", targets: ["CompioSim"]),
        .library(name: "CompioScenarios", targets: ["CompioScenarios"]),
        .executable(name: "compio-demo", targets: ["CompioDemo"]),
        .executable(name: "compio-sim", targets: ["CompioSimCLI"]),
    ],
    traits: [
        .trait(name: "IOUring", description: "Build the io_uring driver (needs liburing-dev)."),
        .default(enabledTraits: ["IOUring"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLinux",
            path: "Sources/CLinux"
        ),
        .systemLibrary(
            name: "CLiburing",
            path: "Sources/CLiburing",
            pkgConfig: "liburing",
            providers: [.apt(["liburing-dev"])]
        ),
        .target(
            name: "Compio",
            dependencies: [
                "CLinux",
                .target(name: "CLiburing", condition: .when(traits: ["IOUring"])),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "CompioScenarios",
            dependencies: ["Compio", "CLinux"]
        ),
        .target(
            name: "CompioSim",
            dependencies: ["Compio", "CompioScenarios", "CLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .executableTarget(
            name: "CompioSimCLI",
            dependencies: [
                "Compio", "CompioSim", "CompioScenarios",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "CompioDemo",
            dependencies: ["Compio", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .executableTarget(name: "EchoServer", dependencies: ["Compio"], path: "Examples/EchoServer"),
        .executableTarget(name: "FileCopy", dependencies: ["Compio"], path: "Examples/FileCopy"),
        .executableTarget(name: "Cat", dependencies: ["Compio"], path: "Examples/Cat"),
        .testTarget(
            name: "CompioTests",
            dependencies: ["Compio", "CompioScenarios", "CLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: ["Compio", "CompioSim", "CompioScenarios", "CLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
