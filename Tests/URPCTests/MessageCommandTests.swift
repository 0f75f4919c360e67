import Capture
import Testing
@testable import URPC

/// Messages carry their command as a table entry (a string only for other names), and the
/// statistics count by that entry: the same counts as by name.

@Test("a command's table index is its place in allCases")
func commandTableIndexIsItsPlace() {
    for (i, c) in Command.allCases.enumerated() {
        #expect(c.tableIndex == i)
        #expect(Command.index(named: c.rawValue) == i)
    }
    #expect(Command.index(named: "print") == nil)
}

private func message(_ kind: Message.Kind, _ command: String?, index: Int, latency: Double? = nil,
                     anomalies: [Anomaly] = []) -> Message {
    Message(index: index, frame: index + 1, firstFrame: index + 1, time: Timestamp(seconds: 1, nanoseconds: 0),
            stream: 0, direction: kind == .request ? .clientToServer : .serverToClient, kind: kind,
            part: kind == .request ? .request : .value, streamRange: index..<(index + 3), bytes: [0x90, 0x90, 0x90],
            command: command, latency: latency, anomalies: anomalies)
}

@Test("command is kept as a table entry, or as the string when it names none", arguments: [
    "cm", "_d", "_id", "ver", "print", "c", "", "cmx",
])
func commandRoundTrips(name: String) {
    var m = message(.request, name, index: 0)
    #expect(m.command == name)
    #expect(m.commandEntry == Command.lookup(name))
    m.command = nil
    #expect(m.command == nil && m.commandEntry == nil)
    m.command = name
    #expect(m.command == name)
    // A copy keeps its own command when the original changes.
    let copy = m
    m.command = "gp"
    #expect(copy.command == name && m.command == "gp" && m.commandEntry == .gp)
}

@Test("anomalies and other commands live out of line and survive copies and kept values")
func outOfLineFieldsSurvive() {
    let a = Anomaly(.pipelined, frame: 1, stream: 0, detail: "x")
    var m = message(.request, "print", index: 0, anomalies: [a])
    #expect(m.hasAnomalies && m.anomalies.count == 1)
    m.keep(request: nil, value: .nil, node: nil)
    #expect(m.command == "print" && m.anomalies.count == 1)
    var copy = m
    copy.anomalies.append(a)
    #expect(m.anomalies.count == 1 && copy.anomalies.count == 2)
    var plain = message(.reply, "cm", index: 1)
    #expect(!plain.hasAnomalies && plain.anomalies.isEmpty)
    plain.anomalies.append(a)
    #expect(plain.hasAnomalies)
}

@Test("statistics count known and other commands alike, one by one or by batch")
func statsCountByEntryAndName() {
    var ms: [Message] = []
    let names = ["cm", "print", "cm", "gp", "print", "_d", "cm"]
    for (i, n) in names.enumerated() {
        ms.append(message(.request, n, index: 2 * i))
        ms.append(message(.reply, n, index: 2 * i + 1, latency: 0.001 * Double(i + 1)))
    }
    var one = ConversationStats()
    for m in ms { one.add(m) }
    var batch = ConversationStats()
    batch.add(ms)
    let expected = ["cm": 3, "print": 2, "gp": 1, "_d": 1]
    #expect(one.requestsByCommand == expected)
    #expect(batch.requestsByCommand == expected)
    #expect(one.render() == batch.render())
    #expect(batch.latency["print"]?.count == 2 && batch.latency["cm"]?.count == 3)
    #expect(batch.messages == ms.count)
}
