import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Captures an interface live through libpcap (pcap_create/pcap_activate, immediate mode, a short
/// read timeout so stop requests are seen quickly, nanosecond timestamps) and reassembles it into
/// `StreamSegment`s as frames arrive, exactly as `CaptureSource` does for a file. With `save(to:)`
/// each frame is also appended to a capture file (flushed per frame), so frame numbers in the live
/// output are the frame numbers of the saved file.
package final class LiveCapture {
    package struct Options: Sendable {
        package var interface: String
        /// A BPF filter expression (`tcp port 7000`), nil for everything.
        package var filter: String?
        package var snapLength: Int32
        /// libpcap's read timeout; a blocked `next()` returns nil after at most this long.
        package var timeoutMilliseconds: Int32
        package var promiscuous: Bool

        package init(interface: String, filter: String? = nil, snapLength: Int32 = 262_144,
                    timeoutMilliseconds: Int32 = 100, promiscuous: Bool = false) {
            self.interface = interface
            self.filter = filter
            self.snapLength = snapLength
            self.timeoutMilliseconds = timeoutMilliseconds
            self.promiscuous = promiscuous
        }
    }

    package let options: Options
    /// libpcap's DLT of the interface (1 = Ethernet for `lo` on Linux).
    package let linkType: Int32
    package var statistics: FrameReassembler.Statistics { reassembler.statistics }
    package private(set) var framesCaptured = 0
    package var streams: [StreamInfo] { reassembler.streams }

    private var handle: OpaquePointer?
    private var selectableFD: Int32 = -1
    private let reassembler: FrameReassembler
    private var writer: CaptureWriter?

    /// Opens and activates the interface. Errors name the interface and say what to do about a
    /// missing interface or missing privileges.
    package init(options: Options, limits: TCPReassembler.Limits = .init()) throws {
        self.options = options
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(options.interface, &errbuf) else {
            throw CaptureError.source("cannot capture on \(options.interface): \(stringFromCBuffer(errbuf))")
        }
        _ = pcap_set_snaplen(h, options.snapLength)
        _ = pcap_set_promisc(h, options.promiscuous ? 1 : 0)
        _ = pcap_set_timeout(h, options.timeoutMilliseconds)
        _ = pcap_set_immediate_mode(h, 1)
        _ = pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let rc = pcap_activate(h)
        if rc < 0 {
            let detail = String(cString: pcap_geterr(h))
            pcap_close(h)
            throw CaptureError.source(Self.activationMessage(rc, interface: options.interface, detail: detail))
        }
        handle = h
        linkType = pcap_datalink(h)
        reassembler = FrameReassembler(linkType: linkType, limits: limits)
        // Non-blocking reads, waited for with poll on the capture descriptor (and a stop pipe):
        // libpcap's own timeout does not apply in immediate mode on Linux, and it retries EINTR.
        _ = pcap_setnonblock(h, 1, &errbuf)
        selectableFD = pcap_get_selectable_fd(h)
        if let filter = options.filter, !filter.isEmpty {
            var program = bpf_program()
            guard pcap_compile(h, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                handle = nil
                throw CaptureError.source("bad capture filter '\(filter)': \(detail)")
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(h, &program) == 0 else {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                handle = nil
                throw CaptureError.source("cannot set the capture filter '\(filter)': \(detail)")
            }
        }
    }

    deinit {
        if let h = handle { pcap_close(h) }
    }

    static func activationMessage(_ rc: Int32, interface: String, detail: String) -> String {
        switch rc {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return "no such interface '\(interface)' (list them with `ip link` or `tcpdump -D`)"
        case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
            return "no permission to capture on \(interface): run as root or give the binary "
                + "cap_net_raw,cap_net_admin (setcap cap_net_raw,cap_net_admin+eip msgdissect)"
        case PCAP_ERROR_IFACE_NOT_UP:
            return "interface \(interface) is down"
        default:
            return "cannot capture on \(interface): \(detail.isEmpty ? "libpcap error \(rc)" : detail)"
        }
    }

    /// Saves every captured frame to `path` from now on (flushed per frame).
    package func save(to path: String, format: CaptureFileFormat) throws {
        writer = try CaptureWriter(path: path, format: format, linkType: linkType,
                                   snapLength: Int(options.snapLength), interfaceName: options.interface,
                                   flushEachPacket: true)
    }

    /// Frames written to the `save(to:)` file.
    package private(set) var framesSaved = 0

    /// Waits up to the read timeout for one frame (returning early when `stopFD` becomes
    /// readable). Returns the frame and the segments it made available, or nil when none arrived.
    /// A write failure throws `CaptureError.write` after the frame was captured (its segments are
    /// lost to the output, the file keeps what it had).
    package func next(stopFD: Int32 = -1) throws -> (frame: RawFrame, segments: [StreamSegment])? {
        guard let h = handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var rc = pcap_next_ex(h, &header, &data)
        if rc == 0 {
            let ready = LiveIO.poll([selectableFD, stopFD], timeoutMilliseconds: options.timeoutMilliseconds)
            if ready[0] & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && ready[0] & Int16(POLLIN) == 0 {
                throw CaptureError.source("capture on \(options.interface) failed: the interface went away")
            }
            if ready[0] != 0 { rc = pcap_next_ex(h, &header, &data) }
        }
        switch rc {
        case 1:
            guard let header, let data else { return nil }
            let hdr = header.pointee
            framesCaptured += 1
            let frame = RawFrame(number: framesCaptured,
                                 time: Timestamp(seconds: Int64(hdr.ts.tv_sec), nanoseconds: UInt32(clamping: hdr.ts.tv_usec)),
                                 linkType: linkType, originalLength: Int(hdr.len),
                                 data: Array(UnsafeBufferPointer(start: data, count: Int(hdr.caplen))), fileOffset: 0)
            if let writer {
                do {
                    try writer.write(frame.data, time: frame.time, originalLength: frame.originalLength)
                    framesSaved += 1
                } catch {
                    self.writer = nil
                    try? writer.close()
                    throw error
                }
            }
            return (frame, reassembler.process(frame))
        case 0:
            return nil
        default:
            let detail = String(cString: pcap_geterr(h))
            throw CaptureError.source("capture on \(options.interface) failed: \(detail) (the interface may have gone away)")
        }
    }


    /// libpcap's counters: packets received and dropped by the kernel.
    package func kernelCounters() -> (received: Int, dropped: Int)? {
        guard let h = handle else { return nil }
        var s = pcap_stat()
        guard pcap_stats(h, &s) == 0 else { return nil }
        return (Int(s.ps_recv), Int(s.ps_drop))
    }

    /// Ends the capture: flushes the reassembler's held-back bytes and closes the saved file.
    package func finish() throws -> [StreamSegment] {
        let rest = reassembler.finish()
        if let h = handle { pcap_close(h); handle = nil }
        let w = writer
        writer = nil
        try w?.close()
        return rest
    }
}
