import ArgumentParser

@main
struct MsgDissect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msgdissect",
        abstract: "Dissect urpc V1 MessagePack RPC traffic: captures, live interfaces, TCP and serial taps, raw streams, proxy leaks.",
        subcommands: [DissectCommand.self, DecodeCommand.self, LeaksCommand.self, TapCommand.self, SniffCommand.self, AnomaliesCommand.self, DiffCommand.self],
        defaultSubcommand: DissectCommand.self
    )
}
