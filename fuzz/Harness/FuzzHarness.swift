// The entry of every libFuzzer harness (fuzz/*Fuzzer), in both builds:
// - with -DLIBFUZZER (scripts/fuzz-libfuzzer.sh, -sanitize=fuzzer): libFuzzer's driver. SwiftPM
//   links an executable product with `main` renamed to `<module>_main` (so tests can link
//   executables); a harness defines that symbol and hands its input callback to
//   `LLVMFuzzerRunDriver`, which parses libFuzzer's flags and fuzzes as libFuzzer's own main would.
// - without it (a normal `swift build`): a small program that runs the harness once on each file
//   given as an argument, so the products build everywhere and a crash file replays without the
//   sanitizers.
#if canImport(Glibc)
import Glibc
#endif

/// A harness's input callback, `LLVMFuzzerTestOneInput`.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
/// `argv` as `main` gets it.
public typealias FuzzArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

#if LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzInput) -> CInt
#endif

public enum FuzzHarness {
    #if LIBFUZZER
    /// libFuzzer's driver with the process's arguments.
    public static func run(_ argc: CInt, _ argv: FuzzArguments, _ callback: FuzzInput) -> CInt {
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector, callback)
    }
    #else
    /// Runs `callback` once on each file named on the command line.
    public static func replay(_ callback: FuzzInput) {
        for path in CommandLine.arguments.dropFirst() {
            guard let f = fopen(path, "rb") else { print("\(path): cannot open"); continue }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = fread(&chunk, 1, chunk.count, f)
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            fclose(f)
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
            print("\(path): ok (\(bytes.count) bytes)")
        }
    }
    #endif
}
