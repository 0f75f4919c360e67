/// A Python exception raised by simulated server code.
public struct PyException: Error, CustomStringConvertible {
    /// The class name: `AttributeError`, `TypeError` …
    public var type: String
    public var args: [PyValue]
    /// Traceback frames, outermost first: (file, line, function).
    public var frames: [Frame]

    public struct Frame: Sendable, Equatable {
        public var file: String
        public var line: Int
        public var function: String
        public init(_ file: String, _ line: Int, _ function: String) {
            self.file = file; self.line = line; self.function = function
        }
    }

    public init(_ type: String, _ message: String? = nil, frames: [Frame] = []) {
        self.type = type
        self.args = message.map { [.string($0)] } ?? []
        self.frames = frames
    }

    public init(_ type: String, args: [PyValue], frames: [Frame] = []) {
        self.type = type
        self.args = args
        self.frames = frames
    }

    /// `str(e)`.
    public var message: String {
        switch args.count {
        case 0: return ""
        case 1: return args[0].str
        default: return PyValue.tuple(args).repr
        }
    }

    /// `repr(e.args)`, as the intended error reply carries it.
    public var argsRepr: String { PyValue.tuple(args).repr }

    public var description: String { args.isEmpty ? type : "\(type): \(message)" }

    /// `sys.print_exception(e)`: MicroPython's traceback text.
    public func traceback(lineEnding: String) -> String {
        var s = "Traceback (most recent call last):" + lineEnding
        for f in frames { s += "  File \"\(f.file)\", line \(f.line), in \(f.function)" + lineEnding }
        s += description + lineEnding
        return s
    }

    func adding(_ frame: Frame) -> PyException {
        var e = self
        e.frames.insert(frame, at: 0)
        return e
    }

    static func attribute(_ obj: PyValue, _ name: String) -> PyException {
        PyException("AttributeError", "'\(obj.typeName)' object has no attribute '\(name)'")
    }

    static func notCallable(_ obj: PyValue) -> PyException {
        PyException("TypeError", "'\(obj.typeName)' object isn't callable")
    }

    static func argCount(_ expected: Int, _ given: Int) -> PyException {
        PyException("TypeError", "function takes \(expected) positional arguments but \(given) were given")
    }
}

/// The server-side source file names and lines used in tracebacks (the published server module).
enum ServerSource {
    static let file = "urpc_server/async_server.py"
    static let serveLoop = PyException.Frame(file, 118, "async_serve")
    static let unpack = PyException.Frame(file, 117, "async_serve")
}
