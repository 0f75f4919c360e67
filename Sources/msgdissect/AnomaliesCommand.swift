import ArgumentParser
import URPC

/// `msgdissect anomalies`: the anomaly registry, as `--fail-on` takes it and the docs show it.
struct AnomaliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "List every anomaly kind msgscope reports: name, group, severity and meaning.",
        discussion: "The same names appear in the JSON output's `anomalies[].kind` and are what --fail-on takes."
    )

    @Flag(name: .long, help: "Print the Markdown table of docs/anomalies.md.")
    var markdown = false

    @Option(name: .long, help: "Only the kinds of this group (wire, protocol, pairing, error-path, lifecycle, lint).")
    var group: String?

    func run() throws {
        if markdown {
            print(AnomalyRegistry.markdownTable(), terminator: "")
            return
        }
        var kinds = AnomalyRegistry.all
        if let group {
            guard let g = AnomalyKind.Group(rawValue: group) else {
                throw ValidationError("unknown group '\(group)': use \(AnomalyKind.Group.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds = kinds.filter { $0.group == g }
        }
        let width = kinds.map(\.name.count).max() ?? 0
        for k in kinds {
            let pad = String(repeating: " ", count: width - k.name.count)
            print("\(k.name)\(pad)  \(k.group.rawValue.padding(10))  \(k.severity.rawValue.padding(7))  \(k.meaning)")
        }
    }
}

private extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
