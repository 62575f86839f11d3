// swift-tools-version:6.0
import PackageDescription

/// A stage binary: thin @main over Core, with the shared flags of CLISupport.
func stage(_ name: String) -> Target {
    .executableTarget(name: name, dependencies: [
        "Core", "CLISupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ])
}

let package = Package(
    name: "prefkit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Core", targets: ["Core"]),
        .library(name: "Jinja", targets: ["Jinja"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // Core builds with the normal checks (-O): bounds, overflow and preconditions stay on
        // in release, because Core parses untrusted files. The hot loops already work on raw
        // pointers, so -Ounchecked bought nothing measurable (README, "Build flags").
        .target(name: "Core", dependencies: ["COpenBLAS", "CZstd", "CZlib", "Jinja", "CKernels"]),
        // Decoding's matrix products over few rows, f32/bf16/f16 weights: an AVX2/FMA variant
        // chosen at run time from CPUID and a portable one (include/ckernels.h says why C).
        .target(name: "CKernels"),
        // Jinja renders chat templates (a user's file, so untrusted): no dependencies, and
        // errors instead of traps on any input.
        .target(name: "Jinja"),
        .target(name: "CLISupport", dependencies: [
            "Core", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        stage("synth-data"), stage("sft-train"), stage("rm-train"), stage("rm-score"),
        stage("dpo-train"), stage("generate"), stage("pipeline-report"),
        stage("tokenize"),
        .executableTarget(name: "prefkit-bench", dependencies: [
            "Core", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja"]),
    ],
    swiftLanguageModes: [.v6]
)
