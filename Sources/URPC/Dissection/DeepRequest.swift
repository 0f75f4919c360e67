import Capture
import MessagePack

extension ConnectionDissector {
    /// A request nested deeper than the decoder's limit is still one message (the real client can
    /// send one, and the server answers it with a RecursionError traceback).
    func deepRequest(_ seg: StreamSegment) -> Message? {
        nil
    }
}
