// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "fltcheck",
    products: [
        // Models link against this at run time, the way Package.swift links PackageDescription.
        .library(name: "FltModel", type: .dynamic, targets: ["FltModel"]),
        .executable(name: "fltcheck", targets: ["fltcheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "FltModel"),
        .target(name: "FltProperties", path: "Properties"),
        .target(name: "FltLoader", dependencies: ["FltModel"]),
        .target(name: "FltSemantics", dependencies: ["FltModel", "FltProperties", "FltSymbolic"]),
        .target(name: "FltExplorer", dependencies: ["FltSemantics", "FltProperties"]),
        .target(name: "FltReport", dependencies: ["FltExplorer", "FltSemantics", "FltProperties"]),
        .systemLibrary(name: "CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"])]),
        .target(name: "FltSymbolic", dependencies: ["CZ3"]),
        .target(name: "FltProver", dependencies: ["FltSemantics", "FltSymbolic", "FltExplorer", "FltProperties"]),
        .executableTarget(
            name: "fltcheck",
            dependencies: [
                "FltLoader", "FltSemantics", "FltExplorer", "FltReport", "FltProperties", "FltProver",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FltCheckTests",
            dependencies: ["FltModel", "FltLoader", "FltSemantics", "FltExplorer", "FltReport", "FltProperties", "FltSymbolic", "FltProver"]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["FltProperties"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
