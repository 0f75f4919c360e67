/// How the simulated server behaves.
package struct SimulatorOptions: Sendable, Equatable {
    /// What a failing request produces.
    package enum ErrorMode: String, Sendable, CaseIterable {
        /// The intended `ExtType(2, "<Name>\x04<args>\x04<traceback>")` reply; the server keeps serving.
        case intended
        /// The published server: the raw ASCII traceback on the stream, then the RPC task dies on
        /// the undefined name `s` (unless an earlier `ex` defined `s`, spec §3).
        case legacy
    }

    package var errorMode: ErrorMode
    /// Crash like the 32-bit device on its known fatal inputs (spec §2) instead of failing cleanly.
    package var deviceFaults: Bool
    /// The console line ending: "\n" as in the reference captures (unix build), "\r\n" on an esp32.
    package var lineEnding: String
    /// The server's `ri` buffer (`buffer_size`; 512 in the reference captures).
    package var bufferSize: Int
    /// First heap address handed out (ids and reprs of instances). The default puts the first
    /// `RPC_Test` of a session that starts like capture A at 0x9759e10, where the real one was.
    package var heapBase: UInt32
    /// Read like the real device reader, whose every read call inside a request (a first byte,
    /// the rest of a header, a payload) gives up after `readTimeoutMs` of silence: with
    /// ValueError("short read") when part of that read had arrived, OSError(EAGAIN) when none had.
    /// What was read is lost; later bytes are read as new requests. Off: wait and reassemble.
    package var shortReads: Bool = false
    /// The device reader's timeout per read call (300 ms on the published server).
    package var readTimeoutMs: Int = 300

    package init(errorMode: ErrorMode = .intended, deviceFaults: Bool = false, lineEnding: String = "\n",
                bufferSize: Int = 512, heapBase: UInt32 = 0x0975_9dd0) {
        (self.errorMode, self.deviceFaults) = (errorMode, deviceFaults)
        (self.lineEnding, self.bufferSize, self.heapBase) = (lineEnding, bufferSize, heapBase)
    }
}

/// A fatal input of the 32-bit device (spec §2), by the `DeviceLint` id that detects it.
package enum DeviceFault: String, Sendable, CaseIterable, CustomStringConvertible {
    // Deliberately alike: a named table of cases with stable raw names, like every table of names.
    case bin32LengthOverflow = "bin32-length-overflow"
    case str32LengthOverflow = "str32-length-overflow"
    case ext32LengthOverflow = "ext32-length-overflow"
    case array32CountOverflow = "array32-count-overflow"
    case map32CountOverflow = "map32-count-overflow"
    case nestingOverflow = "nesting-overflow"

    /// The exit status of `urpc-sim server --device-faults` when the simulated device dies of it.
    package var exitStatus: Int32 {
        switch self {
        case .bin32LengthOverflow: return 71
        case .str32LengthOverflow: return 72
        case .ext32LengthOverflow: return 73
        case .array32CountOverflow: return 74
        case .map32CountOverflow: return 75
        case .nestingOverflow: return 76
        }
    }

    /// What the device does when it hits it.
    package var effect: String {
        switch self {
        case .bin32LengthOverflow, .str32LengthOverflow, .ext32LengthOverflow:
            return "allocation size wraps to 1 byte, the payload overflows the heap"
        case .array32CountOverflow: return "allocation size of the array wraps, heap corruption"
        case .map32CountOverflow: return "allocation size of the map wraps"
        case .nestingOverflow: return "the recursive unpacker overflows the C stack"
        }
    }

    package var description: String { rawValue }
}

/// A crash of the simulated device.
package struct DeviceCrash: Sendable, Equatable, CustomStringConvertible {
    package var fault: DeviceFault
    /// Stream offset of the header that triggered it.
    package var offset: Int

    package var description: String {
        "device fault \(fault.rawValue) at stream offset \(offset): \(fault.effect) (exit status \(fault.exitStatus))"
    }
}
