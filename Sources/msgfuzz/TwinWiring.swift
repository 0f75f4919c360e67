import Fuzzing
import Simulator

/// The device twin as the server fuzzer's predictor: each case runs on a fresh in-process
/// `DeviceSession` set up like the target (`--legacy-errors`, `--device-faults`).
final class DeviceTwinPredictor: TwinPredictor {
    let options: SimulatorOptions

    init(options: SimulatorOptions) { self.options = options }

    func predict(_ c: FuzzCase) -> TwinOutcome {
        let session = DeviceSession(options: options)
        var out: [UInt8] = []
        for (i, m) in c.messages.enumerated() {
            out += session.feed(m.bytes)
            switch session.state {
            case .serving: continue
            case .crashed(let crash): return .dies(classKey: FailureClass.feature(crash.fault.rawValue), message: i)
            case .dead(let reason):
                return .dies(classKey: "dead|" + (FailureClass.exception(inReplies: out[...]) ?? FailureClass.normalise(reason)), message: i)
            }
        }
        return .answers
    }
}

extension StatefulTargetOptions {
    /// The twin for a server target it can stand in for (not a running server reached with
    /// `--connect` and no way to reset it).
    var twinPredictor: TwinPredictor? {
        guard connect == nil || resetCmd != nil else { return nil }
        // Set up by --legacy-errors and --device-faults: what the target is expected to do (a
        // spawned stand-in's own flags are not read, so a target unlike its twin shows as divergence).
        return DeviceTwinPredictor(options: SimulatorOptions(errorMode: legacyErrors ? .legacy : .intended, deviceFaults: deviceFaults))
    }
}
