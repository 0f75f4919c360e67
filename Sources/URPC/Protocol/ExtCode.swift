/// urpc ext codes (spec §3): the only ext types on the wire. Any other code in a request is
/// rejected by the server.
@usableFromInline package enum ExtCode {
    /// `ExtType(1, 4-byte big-endian id)`: a proxy for a server object.
    @usableFromInline package static let proxy: Int8 = 1
    /// `ExtType(2, name \x04 repr(args) \x04 traceback)`: the intended error reply.
    package static let exception: Int8 = 2
    /// `ExtType(3, raw bytes)`: console output printed while `ex`/`cm` runs.
    package static let console: Int8 = 3
}
