// libFuzzer harness for the dissector's byte-stream path: the URPC layer fed raw bytes. Built as
// OSS-Fuzz builds Swift (scripts/fuzz-libfuzzer.sh dissector):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DLIBFUZZER --product dissector-fuzzer
// Without LIBFUZZER (a normal `swift build`) it is a small program that runs the harness on each
// file given as an argument (see FuzzHarness).
//
// The body and its oracles are `DissectorHarness` (Tests/TestSupport), which the regression tests
// replay too: no trap, no hang, and the range and byte checks of `DissectorHarness.violation`.

import FuzzHarness
import MsgscopeTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func dissectorFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 1, let data else { return 0 }
    let (messages, fed) = DissectorHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    if let v = DissectorHarness.violation(messages, fed: fed) { fatalError(v) }
    return 0
}

#if LIBFUZZER
// The entry (see FuzzHarness): libFuzzer's driver as the symbol SwiftPM links as `main`, or the
// standalone program that runs the harness once on each file given as an argument.
@_cdecl("dissector_fuzzer_main") func fuzzerMain(_ argc: CInt, _ argv: FuzzArguments) -> CInt { FuzzHarness.run(argc, argv, dissectorFuzzerTestOneInput) }
#else
@main enum DissectorFuzzerReplay { static func main() { FuzzHarness.replay(dissectorFuzzerTestOneInput) } }
#endif

