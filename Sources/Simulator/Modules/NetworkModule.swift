/// `network`: a WLAN interface whose connection is simulated (the device reaches only loopback).
enum NetworkModule {
    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "network", address: ctx.staticAllocate())
        m.attributes["STA_IF"] = .int(0)
        m.attributes["AP_IF"] = .int(1)
        m.attributes["WLAN"] = .object(PyClass(name: "WLAN", address: ctx.staticAllocate()) { _, args, _, ctx in
            try Args.range(args, 0...1)
            let interface = args.isEmpty ? 0 : try Args.int(args[0])
            return .object(WLAN(interface: interface, address: ctx.allocate(size: 48)))
        })
        return m
    }
}

package final class WLAN: PyObject {
    let interface: Int64
    var active = false
    var ssid: String?

    init(interface: Int64, address: UInt32) {
        self.interface = interface
        super.init(address: address)
    }

    package override var typeName: String { "WLAN" }
    package override func repr() -> String { "<WLAN>" }

    package override func method(_ name: String) -> PyFunction? {
        switch name {
        case "active":
            return { [unowned self] args, _, _ in
                if let a = args.first { self.active = a.truthy; return .none }
                return .bool(self.active)
            }
        case "connect":
            return { [unowned self] args, _, _ in
                guard self.active else { throw PyException("OSError", "Wifi Not Started") }
                self.ssid = args.first.map(\.str) ?? ""
                return .none
            }
        case "disconnect": return { [unowned self] _, _, _ in self.ssid = nil; return .none }
        case "isconnected": return { [unowned self] _, _, _ in .bool(self.active && self.ssid != nil) }
        case "status": return { [unowned self] _, _, _ in .int(self.active && self.ssid != nil ? 1010 : 1000) }
        case "scan": return { _, _, _ in .list([]) }
        case "ifconfig":
            return { [unowned self] _, _, _ in
                let ip = self.active && self.ssid != nil ? "127.0.0.1" : "0.0.0.0"
                return .tuple([.string(ip), .string("255.0.0.0"), .string(ip), .string(ip)])
            }
        case "config":
            return { [unowned self] args, _, _ in
                if let a = args.first, case .str(let b) = a, String(decoding: b, as: UTF8.self) == "essid" { return .string(self.ssid ?? "") }
                return .none
            }
        default: return nil
        }
    }
}
