import Testing
@testable import Fuzzing
import URPC

/// Length and count lies to a client carry the filler a wrapped allocation overruns (issue 13).
@Suite struct ClientLieTests {
    @Test func lengthLiesUsuallyCarryFiller() {
        var ctx = MutationContext(seed: 11)
        var withFiller = 0, hostileHeaders = 0
        for _ in 0..<400 {
            let b = ReplyMutation.lengthLie.apply(WireForm.versionReply, &ctx)
            if b.count >= 16 + 5 { withFiller += 1 }
            if let f = b.first, [0xdb, 0xc6, 0xc9, 0xdd, 0xdf].contains(f) { hostileHeaders += 1 }
        }
        // Three in four lies carry 16 to 5000 bytes after the header.
        #expect(withFiller > 250 && withFiller < 360, "\(withFiller)")
        #expect(hostileHeaders > 0)
    }
}
