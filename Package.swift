// swift-tools-version:6.0
// msgscope: a protocol analyzer and fuzzer for the urpc V1 MessagePack RPC.
// Layers, bottom-up (a layer never imports one above it):
//   MessagePack -> Capture (CPcap) -> URPC -> Lifecycle -> Fuzzing -> Simulator -> executables
import PackageDescription

/// Release builds skip the dynamic exclusivity checks in the hot layers (they cost ~6% of a
/// dissection); debug builds and the tests keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "msgscope",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .executable(name: "msgdissect", targets: ["msgdissect"]),
        .executable(name: "msgfuzz", targets: ["msgfuzz"]),
        .executable(name: "urpc-sim", targets: ["urpc-sim"]),
        // libFuzzer harnesses (fuzz/), built as OSS-Fuzz builds Swift: scripts/fuzz-libfuzzer.sh.
        .executable(name: "codec-fuzzer", targets: ["codec-fuzzer"]),
        .executable(name: "dissector-fuzzer", targets: ["dissector-fuzzer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // 1. The codec. No dependency.
        .target(name: "MessagePack", swiftSettings: hotPath),
        // 2. Captures: libpcap, link layers, TCP reassembly, live sources. Bytes and directions only.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .target(name: "Capture", dependencies: ["CPcap"], swiftSettings: hotPath),
        // 3. The protocol.
        .target(name: "URPC", dependencies: ["MessagePack", "Capture"], swiftSettings: hotPath),
        // 4. Proxy lifecycles and leak reports.
        .target(name: "Lifecycle", dependencies: ["MessagePack", "Capture", "URPC"], swiftSettings: hotPath),
        // 5. Fuzzing engine.
        .target(name: "Fuzzing", dependencies: ["MessagePack", "URPC", "Capture"]),
        // 6. The device twin.
        .target(name: "Simulator", dependencies: ["MessagePack", "URPC", "Capture"], swiftSettings: hotPath),
        // 7. Thin executables.
        .executableTarget(name: "msgdissect", dependencies: [
            "MessagePack", "Capture", "URPC", "Lifecycle",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "msgfuzz", dependencies: [
            "MessagePack", "Capture", "Fuzzing", "Simulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "urpc-sim", dependencies: [
            "Capture", "Simulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libFuzzer harnesses: with -DLIBFUZZER (and -sanitize=fuzzer) libFuzzer's main drives them;
        // in a normal build each is a small program that runs the harness on the files it is given.
        .target(name: "FuzzHarness", path: "fuzz/Harness"),
        .executableTarget(name: "codec-fuzzer", dependencies: ["FuzzHarness", "MessagePack", "Fuzzing"], path: "fuzz/CodecFuzzer"),
        .executableTarget(name: "dissector-fuzzer", dependencies: ["FuzzHarness", "MsgscopeTestSupport"], path: "fuzz/DissectorFuzzer"),
        // Shared by the tests and the dissector's libFuzzer target (like NIOTestUtils): the seeded
        // generator, the hand-built conversation, the dissector harness body.
        .target(name: "MsgscopeTestSupport", dependencies: ["MessagePack", "Capture", "URPC"], path: "Tests/TestSupport"),
        // Benchmarks (bench/): codec throughput against msgspec and msgpack-python.
        .executableTarget(name: "codec-bench", dependencies: ["MessagePack"], path: "bench/CodecBench"),
        .testTarget(name: "MessagePackTests", dependencies: ["MsgscopeTestSupport", "MessagePack"]),
        .testTarget(name: "CaptureTests", dependencies: ["MsgscopeTestSupport", "Capture"]),
        .testTarget(name: "URPCTests", dependencies: ["MsgscopeTestSupport", "URPC", "MessagePack", "Capture"], exclude: ["Fixtures"]),
        .testTarget(name: "LifecycleTests", dependencies: ["MsgscopeTestSupport", "Lifecycle", "URPC", "MessagePack", "Capture"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "MessagePack", "URPC"]),
        .testTarget(name: "SimulatorTests", dependencies: ["MsgscopeTestSupport", "Simulator", "MessagePack", "Capture"]),
    ]
)
