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
        var out: [UInt8] = []
        writeTraceback(lineEnding: lineEnding, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the traceback text as UTF-8 (the error path of every failing request: no
    /// intermediate strings).
    func writeTraceback(lineEnding: String, into out: inout [UInt8]) {
        out.append(contentsOf: "Traceback (most recent call last):".utf8)
        out.append(contentsOf: lineEnding.utf8)
        for f in frames {
            out.append(contentsOf: "  File \"".utf8)
            out.append(contentsOf: f.file.utf8)
            out.append(contentsOf: "\", line ".utf8)
            PyFormat.writeInt(Int64(f.line), into: &out)
            out.append(contentsOf: ", in ".utf8)
            out.append(contentsOf: f.function.utf8)
            out.append(contentsOf: lineEnding.utf8)
        }
        writeDescription(into: &out)
        out.append(contentsOf: lineEnding.utf8)
    }

    /// Appends `description` as UTF-8.
    func writeDescription(into out: inout [UInt8]) {
        out.append(contentsOf: type.utf8)
        guard !args.isEmpty else { return }
        out.append(UInt8(ascii: ":"))
        out.append(UInt8(ascii: " "))
        if args.count == 1 { args[0].writeStr(into: &out) } else { PyValue.tuple(args).writeRepr(into: &out) }
    }

    /// Appends `repr(e.args)` as UTF-8.
    func writeArgsRepr(into out: inout [UInt8]) { PyValue.tuple(args).writeRepr(into: &out) }

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
