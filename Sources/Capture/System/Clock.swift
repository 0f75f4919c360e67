#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Timestamp {
    /// The wall-clock time now (CLOCK_REALTIME), as capture timestamps are.
    package static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: UInt32(ts.tv_nsec))
    }
}

/// Monotonic time (no Foundation in hot loops): for timeouts and rates, never for timestamps.
package enum Monotonic {
    /// Nanoseconds since an arbitrary start.
    package static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds since an arbitrary start.
    package static func seconds() -> Double { Double(now()) / 1e9 }
}
