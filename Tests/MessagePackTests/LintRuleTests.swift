import MessagePack
import Testing

@Test("each lint rule is defined once, with a meaning")
func lintRulesAreUnique() {
    let ids = DeviceLint.rules.map(\.id)
    #expect(Set(ids).count == ids.count)
    #expect(DeviceLint.rules.allSatisfy { !$0.meaning.isEmpty })
    #expect(DeviceLint.rule(id: "nesting-overflow")?.severity == .crash)
    #expect(DeviceLint.rule(id: "no-such-rule") == nil)
}

@Test("every finding, on both lint paths, is one of the rules and carries its severity")
func lintFindingsFollowTheirRules() throws {
    let inputs = lintCases.map { hex($0.0) } + crashInputs.map(\.1)
        + [hex("c7 01 ff 00"), hex("d7 ff 00 00 00 00 00 00 00 00"), hex("82 01 02 01 03")]
    var seen: Set<String> = []
    for bytes in inputs {
        var findings = DeviceLint.lint(bytes)
        if let node = try? Decoder().decodeNode(bytes) { findings += DeviceLint.lint(node: node) }
        for f in findings {
            let rule = try #require(DeviceLint.rule(id: f.id), "\(f)")
            #expect(f.severity == rule.severity, "\(f)")
            seen.insert(f.id)
        }
    }
    // Every rule is reachable from these inputs.
    #expect(seen == Set(DeviceLint.rules.map(\.id)))
}
