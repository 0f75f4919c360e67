import URPC

/// Tokens the dictionary mutators insert or overwrite with: every MessagePack format byte, the
/// urpc command names (raw and as fixstr), the proxy and console ext headers, and the device's
/// known crash headers (spec §2). libFuzzer's `-dict=` equivalent, but it knows the protocol.
package struct MutationDictionary: Sendable {
    package var tokens: [[UInt8]]

    package init(tokens: [[UInt8]]) { self.tokens = tokens }

    package static let urpc: MutationDictionary = {
        var t: [[UInt8]] = []
        let console = UInt8(bitPattern: ExtCode.console), exception = UInt8(bitPattern: ExtCode.exception)
        // Every first byte of a non-fix format, and the fix-format edges.
        for b in UInt8(0xc0)...UInt8(0xdf) { t.append([b]) }
        t += [[0x00], [0x7f], [0x80], [0x8f], [0x90], [0x9f], [0xa0], [0xbf], [0xe0], [0xff]]
        // urpc commands, raw and as fixstr.
        for cmd in Command.allCases.map(\.rawValue) + [WireForm.version] {
            let u = Array(cmd.utf8)
            t.append(u)
            t.append([0xa0 | UInt8(u.count)] + u)
        }
        t += [
            WireForm.proxyHeader,                  // proxy ext header
            WireForm.proxy(1),                     // proxy 1
            FuzzCase.releaseIDHeader,              // _d id as bin 8 of length 4
            [0xc7, 0x05, console], [0xd5, console],  // console output
            [0xc7, 0x00, exception],               // exception ext
            [0xd4, 0xff, 0x00],                    // ext code -1
            [0x95, 0xa2, 0x63, 0x6d],              // ["cm", …
            WireForm.releasePrefix,                // ["_d", bin …
            [0xc6, 0xff, 0xff, 0xff, 0xff],        // bin32 length wrap (device crash)
            [0xdb, 0xff, 0xff, 0xff, 0xff],        // str32 length wrap
            [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],  // ext32 length wrap
            [0xdd, 0x40, 0x00, 0x00, 0x00],        // array32 count wrap
            [0xdf, 0x20, 0x00, 0x00, 0x00],        // map32 count wrap
            [0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91],
            [0xd2, 0x40, 0x00, 0x00, 0x00],        // int32 beyond 2^30
            [0xcc, 0xc8], [0xcd, 0x9c, 0x40],      // unsigned read as signed
            [0xd0, 0xe0],                          // -32 in the device's encoding
            [0xca, 0x3f, 0xc0, 0x00, 0x00],        // 1.5 as float32
            [0xd7, 0xff], [0xd6, 0xff],            // timestamp ext headers
            Array("Traceback".utf8),
        ]
        return MutationDictionary(tokens: t)
    }()
}
