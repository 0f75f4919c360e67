/// The capture encoding of a serial byte stream: each chunk of bytes read from or written to the
/// line is one record of link type LINKTYPE_WIRESHARK_UPPER_PDU (252). The record starts with
/// Wireshark "exported PDU" tags (each: 2-byte tag, 2-byte length, value padded to 4 bytes, all
/// big-endian), then the line bytes:
///
///     00 0c 00 08  "msgpack" 00           dissector name (tag 12): Wireshark decodes the bytes as MessagePack
///     00 23 00 04  00 00 00 0X            P2P direction (tag 35): X = 0 sent (host → device), 1 received
///     00 21 LL LL  "serial:<name> host>device" NUL-padded   protocol column text (tag 33)
///     00 00 00 00                          end of tags
///     <line bytes>
///
/// The direction tag is authoritative when reading; the column text carries the line's name
/// (read back into the `serial:<name>` endpoint) and makes the direction visible in packet lists.
package struct SerialRecord: Sendable, Equatable {
    /// `.a` = host (client) to device, `.b` = device to host.
    package var direction: StreamSide
    /// The serial line's name, e.g. "/dev/ttyUSB0".
    package var lineName: String
    package var bytes: [UInt8]

    package init(direction: StreamSide, lineName: String, bytes: [UInt8]) {
        self.direction = direction
        self.lineName = lineName
        self.bytes = bytes
    }

    package static let linkType: Int32 = LinkType.wiresharkUpperPDU
    static let tagEnd: UInt16 = 0
    static let tagDissectorName: UInt16 = 12
    static let tagColumnProtocol: UInt16 = 33
    static let tagP2PDirection: UInt16 = 35
    static let hostToDevice = "host>device"
    static let deviceToHost = "device>host"

    /// The column text for a line and direction.
    static func columnText(lineName: String, direction: StreamSide) -> String {
        "serial:\(lineName) " + (direction == .a ? hostToDevice : deviceToHost)
    }

    /// The record's bytes as written to the capture.
    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        Self.appendTag(Self.tagDissectorName, Array("msgpack".utf8) + [0], to: &out)
        Self.appendTag(Self.tagP2PDirection, direction == .a ? [0, 0, 0, 0] : [0, 0, 0, 1], to: &out)
        // Tag lengths are 16 bits: keep the column text well below that.
        let column = Array(Self.columnText(lineName: lineName, direction: direction).utf8.prefix(1024)) + [0]
        Self.appendTag(Self.tagColumnProtocol, column, to: &out)
        out += [0, 0, 0, 0]
        out += bytes
        return out
    }

    private static func appendTag(_ tag: UInt16, _ value: [UInt8], to out: inout [UInt8]) {
        let padded = (value.count + 3) & ~3
        out += [UInt8(tag >> 8), UInt8(tag & 0xFF), UInt8(padded >> 8), UInt8(padded & 0xFF)]
        out += value
        out += [UInt8](repeating: 0, count: padded - value.count)
    }

    /// Why a record could not be decoded.
    package enum DecodeError: Error, Equatable, Sendable {
        case truncatedTag(offset: Int)
        case notMessagePack(dissector: String)
        case missingDirection
    }

    /// Parses a record. Unknown tags are skipped; every length is checked against the bytes present.
    package static func decode(_ data: [UInt8]) -> Result<SerialRecord, DecodeError> {
        var p = 0
        var direction: StreamSide?
        var name = ""
        var dissector: String?
        while true {
            guard data.count >= p + 4 else { return .failure(.truncatedTag(offset: p)) }
            let tag = be16(data, p)
            let length = Int(be16(data, p + 2))
            p += 4
            if tag == tagEnd { break }
            guard data.count >= p + length else { return .failure(.truncatedTag(offset: p - 4)) }
            let value = Array(data[p..<(p + length)])
            p += length
            switch tag {
            case tagDissectorName:
                dissector = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
            case tagP2PDirection where length == 4:
                direction = be32(value, 0) == 0 ? .a : .b
            case tagColumnProtocol:
                var text = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
                for suffix in [" " + hostToDevice, " " + deviceToHost] where text.hasSuffix(suffix) {
                    text.removeLast(suffix.count)
                }
                if text.hasPrefix("serial:") { text.removeFirst("serial:".count) }
                name = text
            default:
                break
            }
        }
        if let dissector, dissector != "msgpack" { return .failure(.notMessagePack(dissector: dissector)) }
        guard let direction else { return .failure(.missingDirection) }
        return .success(SerialRecord(direction: direction, lineName: name, bytes: Array(data[p...])))
    }
}
