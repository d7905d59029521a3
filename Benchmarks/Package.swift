// swift-tools-version:6.1
import PackageDescription

// A separate package so that `swift test` at the repository root never builds
// the benchmarks or their peers (SwiftNIO, C programs). Run everything with
// `Scripts/bench.sh` from the repository root.
// A path dependency's identity is the last component of its path, so the root
// package is known here by the name of the checkout's directory.
let rootIdentity = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "compio").lowercased()

let package = Package(
    name: "CompioBenchmarks",
    products: [
        .executable(name: "compio-bench", targets: ["CompioBench"]),
        .executable(name: "swift-peers", targets: ["SwiftPeers"]),
        .executable(name: "bench-c", targets: ["bench-c"]),
        // LD_PRELOAD'ed by the harness to count heap allocations.
        .library(name: "MallocCounter", type: .dynamic, targets: ["MallocCounter"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBenchLiburing",
            path: "Sources/CBenchLiburing",
            pkgConfig: "liburing",
            providers: [.apt(["liburing-dev"])]
        ),
        .executableTarget(
            name: "bench-c",
            dependencies: ["CBenchLiburing"],
            cSettings: [.define("_GNU_SOURCE")]
        ),
        .target(name: "MallocCounter"),
        .target(name: "BenchSupport"),
        .executableTarget(
            name: "CompioBench",
            dependencies: [
                "BenchSupport",
                .product(name: "Compio", package: rootIdentity),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "SwiftPeers",
            dependencies: [
                "BenchSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
