import ArgumentParser
import Fuzzing

/// `--target client` wiring.
enum ClientRun {
    static func fuzz(options: StatefulTargetOptions, config: ServerFuzzConfig, quiet: Bool) throws -> Int32 {
        Files.printError("msgfuzz: --target client is not available in this build\n")
        return 2
    }
}
