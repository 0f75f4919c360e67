import MessagePack

extension Request {
    /// The command of a request that is cut off or cannot be decoded whole: the str that follows
    /// the array header, when it is complete. Nil when the bytes do not start a request.
    package static func command(ofPartial bytes: ArraySlice<UInt8>) -> String? {
        guard let first = bytes.first else { return nil }
        switch Format(byte: first) {
        case .fixarray, .array16, .array32: break
        default: return nil
        }
        let header = Format.headerLength(firstByte: first)
        guard bytes.count > header else { return nil }
        // The command is short: decode only the element after the header, never the whole message.
        let element = Array(bytes.dropFirst(header).prefix(64))
        guard case (.string(let cmd), _)? = try? Decoder().decodeValue(element) else { return nil }
        return cmd
    }
}
