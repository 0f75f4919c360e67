import ArgumentParser
import Foundation
import MessagePack

/// `msgdissect decode [FILE|-]`: a raw MessagePack stream, one line (or NDJSON object) per object.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a raw MessagePack stream (objects back to back), one line per object.",
        discussion: """
            Prints the offset and a compact rendering of each object. A decoding error prints the \
            objects before it, then a message naming the offset, and exits with status 2.
            """
    )

    @Argument(help: "The file to decode, or - for standard input.")
    var file: String = "-"

    @Flag(name: .long, help: "Print NDJSON: one JSON object per line, in the README's JSON mapping.")
    var json = false

    @Option(name: .long, help: "The MessagePack dialect to read: standard or device.")
    var dialect: String = "standard"

    @Flag(name: .long, help: "Add the device lint: every way the device would read the bytes differently or fail.")
    var lint = false

    @Option(name: .long, help: "Maximum nesting depth.")
    var maxDepth: Int = 512

    @Flag(name: .long, help: "Refuse str payloads that are not valid UTF-8.")
    var strictUtf8 = false

    func run() throws {
        guard let d = Dialect(rawValue: dialect) else {
            throw ValidationError("unknown dialect '\(dialect)': use standard or device")
        }
        let bytes: [UInt8]
        if file == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("msgdissect: cannot read \(file)\n".utf8))
                throw ExitCode(2)
            }
            bytes = Array(data)
        }
        let options = DecodingOptions(dialect: d, maxDepth: maxDepth, strictUTF8: strictUtf8)
        let (nodes, error) = Decoder(options: options).decodeAll(bytes)
        let findings = lint ? DeviceLint.lint(bytes) : []
        var out = ""
        let mapping = JSONMapping()
        let formatter = ValueFormatter()
        for n in nodes {
            let lints = findings.filter { n.range.contains($0.offset) }
            if json {
                out += "{\"offset\":\(n.offset),\"length\":\(n.length),\"value\":"
                mapping.write(n.value, into: &out)
                if lint {
                    out += ",\"lint\":["
                    out += lints.map(lintJSON).joined(separator: ",")
                    out += "]"
                }
                out += "}\n"
            } else {
                out += "\(n.offset)\t"
                formatter.write(n.value, into: &out)
                out += "\n"
                for f in lints { out += "\tlint: \(f)\n" }
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if let error {
            var tail = ""
            if lint {
                for f in findings where f.offset >= error.offset { tail += "lint: \(f)\n" }
            }
            FileHandle.standardOutput.write(Data(tail.utf8))
            FileHandle.standardError.write(Data("msgdissect: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func lintJSON(_ f: LintFinding) -> String {
        var s = "{\"id\":\"\(f.id)\",\"offset\":\(f.offset),\"severity\":\"\(f.severity.rawValue)\",\"message\":"
        JSONMapping.quote(f.message, into: &s)
        return s + "}"
    }
}
