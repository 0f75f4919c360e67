import ArgumentParser
import Fuzzing
#if canImport(Glibc)
import Glibc
#endif

@main
struct MsgFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msgfuzz",
        abstract: "A MessagePack-aware fuzzer for urpc V1: the codec in process, a urpc server or a urpc client.",
        discussion: "Exit status: 0 no finding, 1 findings, 2 usage or set-up error.",
        subcommands: [RunCommand.self, MinimizeCommand.self, ReplayCommand.self, DedupCommand.self, CorpusMinimizeCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// Usage and set-up errors exit with 2 (ArgumentParser's default would be 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode {
            Glibc.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Glibc.exit(0)
            }
            Files.printError(message + "\n")
            Glibc.exit(2)
        }
    }
}

/// `--target`: codec (in process), server or client (sessions).
struct TargetName: ExpressibleByArgument {
    /// Stateful targets behind a socket or a pseudo-terminal.
    enum Stateful: String { case server, client }
    let kind: TargetKind
    /// Set for `server` and `client` (then `kind` is unused).
    var stateful: Stateful?

    init?(argument: String) {
        if let s = Stateful(rawValue: argument) { kind = .codec; stateful = s; return }
        guard let k = TargetKind(rawValue: argument) else { return nil }
        kind = k
    }

    init(_ kind: TargetKind) { self.kind = kind }

    var defaultValueDescription: String { kind.rawValue }
    /// The planted-crash test target is left out of the help.
    static var allValueStrings: [String] { ["codec", "server", "client"] }

    static func parse(_ s: String) throws -> TargetName {
        if let t = TargetName(argument: s) { return t }
        throw ValidationError("unknown target '\(s)': choose codec, server or client")
    }
}

struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: "What to fuzz: codec (the decoder, stream decoder, encoder and lint in process), server (a urpc server: urpc-sim by default, --connect, --spawn, --serial) or client (a urpc client under --spawn, answered with mutated replies).",
            transform: TargetName.parse)
    var target: TargetName = TargetName(.codec)
}
