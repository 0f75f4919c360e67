import Fuzzing
import Testing

/// The signature of a death names the crash header of the case, wherever it sits: also behind a
/// message the stream walk cannot read past (a cut str), so one fault class stays one finding.
@Test("a crash header behind an unreadable message is still the culprit")
func culpritBehindACutMessage() throws {
    let cut = FuzzCase.Message(bytes: [0x92, 0xa2, 0x5f, 0x73, 0xda, 0x00, 0x40, 0x41])   // ["_s", str16 of 64, cut]
    let crash = FuzzCase.Message(bytes: [0x92, 0xa2, 0x5f, 0x73, 0xdb, 0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0x41, count: 300))
    let c = FuzzCase(messages: [cut, crash])
    let found = try #require(FailureClass.culprit(c))
    #expect(found.index == 1)
    #expect(found.feature == "str32-length")
    // A case with only the cut message names the cut.
    #expect(FailureClass.culprit(FuzzCase(messages: [cut]))?.feature == "truncated")
}
