import ArgumentParser

@main
struct MsgDissect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msgdissect",
        abstract: "Dissect urpc V1 MessagePack RPC traffic: captures, raw streams, proxy leaks.",
        subcommands: [DissectCommand.self, DecodeCommand.self, LeaksCommand.self],
        defaultSubcommand: DissectCommand.self
    )
}
