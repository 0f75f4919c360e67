/// A Python exception raised by simulated server code.
package struct PyException: Error, CustomStringConvertible {
    /// The class name: `AttributeError`, `TypeError` …
    package var type: String
    package var args: [PyValue]
    /// Traceback frames, outermost first: (file, line, function).
    package var frames: [Frame]

    package struct Frame: Sendable, Equatable {
        package var file: String
        package var line: Int
        package var function: String
        package init(_ file: String, _ line: Int, _ function: String) {
            self.file = file; self.line = line; self.function = function
        }
    }

    package init(_ type: String, _ message: String? = nil, frames: [Frame] = []) {
        self.type = type
        self.args = message.map { [.string($0)] } ?? []
        self.frames = frames
    }

    package init(_ type: String, args: [PyValue], frames: [Frame] = []) {
        self.type = type
        self.args = args
        self.frames = frames
    }

    /// `str(e)`.
    package var message: String {
        switch args.count {
        case 0: return ""
        case 1: return args[0].str
        default: return PyValue.tuple(args).repr
        }
    }

    /// `repr(e.args)`, as the intended error reply carries it.
    package var argsRepr: String { PyValue.tuple(args).repr }

    package var description: String { args.isEmpty ? type : "\(type): \(message)" }

    /// `sys.print_exception(e)`: MicroPython's traceback text.
    package func traceback(lineEnding: String) -> String {
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
        if type == "OSError", args.count == 1, case .int(let n) = args[0], let name = Self.errnoNames[n] {
            // MicroPython names the errors it knows: "OSError: [Errno 11] EAGAIN".
            out.append(contentsOf: "[Errno ".utf8)
            PyFormat.writeInt(n, into: &out)
            out.append(contentsOf: "] ".utf8)
            out.append(contentsOf: name.utf8)
            return
        }
        if args.count == 1 { args[0].writeStr(into: &out) } else { PyValue.tuple(args).writeRepr(into: &out) }
    }

    /// Appends `repr(e.args)` as UTF-8.
    func writeArgsRepr(into out: inout [UInt8]) { PyValue.tuple(args).writeRepr(into: &out) }

    /// MicroPython's errno table (py/moduerrno.c), the names its OSError messages print.
    static let errnoNames: [Int64: String] = [
        1: "EPERM", 2: "ENOENT", 5: "EIO", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
        17: "EEXIST", 19: "ENODEV", 21: "EISDIR", 22: "EINVAL", 95: "EOPNOTSUPP", 98: "EADDRINUSE",
        103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS", 107: "ENOTCONN", 110: "ETIMEDOUT",
        111: "ECONNREFUSED", 113: "EHOSTUNREACH", 114: "EALREADY", 115: "EINPROGRESS",
    ]

    /// The device reader's errors (spec §2, §7).
    static let shortRead = PyException("ValueError", "short read")
    static let eagain = PyException("OSError", args: [.int(11)])
    static let endOfStream = PyException("EOFError", "")

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
