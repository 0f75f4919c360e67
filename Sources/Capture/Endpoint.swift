/// One end of a byte stream: an IP address and port, or a serial line.
///
/// An IP end holds its address as a fixed-size `IPAddress` (decoding a packet makes no text and
/// comparing two ends compares integers); the text form is made when printed. Anything that is
/// not the canonical text of an IP address (a serial line name, "?") is kept as given.
package struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    package enum Host: Sendable, Hashable {
        case ip(IPAddress)
        /// A serial device name such as "serial:/dev/ttyUSB0", or any other non-IP text.
        case name(String)

        /// An IP address when `text` is exactly its canonical form (what `inet_ntop` prints, so
        /// that the text reads back unchanged); otherwise the text itself.
        init(parsing text: String) {
            if let ip = IPAddress(text), ip.description == text { self = .ip(ip) } else { self = .name(text) }
        }
    }

    package var host: Host
    /// TCP port; 0 for serial lines.
    package var port: UInt16

    package init(address: String, port: UInt16) {
        (self.host, self.port) = (Host(parsing: address), port)
    }

    package init(ip: IPAddress, port: UInt16) {
        (self.host, self.port) = (.ip(ip), port)
    }

    /// "127.0.0.1", "::1", or a serial device name such as "/dev/ttyUSB0".
    package var address: String {
        get {
            switch host {
            case let .ip(ip): return ip.description
            case let .name(text): return text
            }
        }
        set { host = Host(parsing: newValue) }
    }

    /// The IP address, when this end is one.
    package var ip: IPAddress? {
        if case let .ip(ip) = host { return ip }
        return nil
    }

    package var description: String {
        let address = address
        if port == 0 { return address }
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// A total order on ends (IP before names, then address, then port), used to put the two
    /// ends of a connection key in a canonical order.
    static func precedes(_ x: Endpoint, _ y: Endpoint) -> Bool {
        switch (x.host, y.host) {
        case let (.ip(a), .ip(b)): return a == b ? x.port <= y.port : IPAddress.precedes(a, b)
        case (.ip, .name): return true
        case (.name, .ip): return false
        case let (.name(a), .name(b)): return a == b ? x.port <= y.port : a < b
        }
    }
}
