import Testing
@testable import Simulator

/// `repr()` and tracebacks as MicroPython writes them: error replies carry them byte for byte.
@Suite struct ReprTests {
    /// A value and its repr (PyValue holds class references, so the pair is marked Sendable: the
    /// tests only read it).
    struct Case: @unchecked Sendable, CustomTestStringConvertible {
        var value: PyValue
        var expected: String
        var testDescription: String { expected }
    }

    static let cases: [Case] = ([
        (PyValue.string("plain"), "'plain'"),
        (.string("it's"), "\"it's\""),
        (.string("a'b\"c"), "'a\\'b\"c'"),
        (.string("say \"hi\""), "'say \"hi\"'"),
        (.string("tab\t nl\n cr\r bs\\"), "'tab\\t nl\\n cr\\r bs\\\\'"),
        (.str([0x01, 0x1f, 0x7f]), "'\\x01\\x1f\\x7f'"),
        (.str([0xff, 0x41]), "'\u{FFFD}A'"),
        (.string("é\u{85}"), "'é\u{85}'"),
        (.bytes([0x27]), "b\"'\""),
        (.bytes([0x27, 0x22]), "b'\\'\"'"),
        (.bytes([0x00, 0x41, 0x5c, 0x0a, 0x7f, 0x80]), "b'\\x00A\\\\\\n\\x7f\\x80'"),
        (.tuple([.int(1)]), "(1,)"),
        (.tuple([]), "()"),
        (.list([.none, .bool(true), .bool(false)]), "[None, True, False]"),
        (.dict([(key: .string("a"), value: .int(-5)), (key: .int(0), value: .tuple([.int(7), .int(8)]))]), "{'a': -5, 0: (7, 8)}"),
        (.ext(code: -3, data: [1, 0x61]), "ExtType(-3, b'\\x01a')"),
        (.int(Int64.min), "-9223372036854775808"),
        (.int(9), "9"),
        (.float(1.5), "1.5"),
        (.float(3), "3.0"),
        (.float(1e20), "1e+20"),
    ] as [(PyValue, String)]).map { Case(value: $0.0, expected: $0.1) }

    @Test(arguments: cases)
    func reprIsMicroPythons(_ c: Case) {
        #expect(c.value.repr == c.expected)
    }

    @Test func aTracebackNamesEachFrameThenTheException() {
        let e = PyException("TypeError", args: [.string("can't \"x\""), .int(3)],
                            frames: [PyException.Frame("urpc_server/async_server.py", 118, "async_serve")])
        #expect(e.traceback(lineEnding: "\r\n") == "Traceback (most recent call last):\r\n  File \"urpc_server/async_server.py\", line 118, in async_serve\r\nTypeError: ('can\\'t \"x\"', 3)\r\n")
        #expect(PyException("KeyError", args: [.str([0xff])]).traceback(lineEnding: "\n") == "Traceback (most recent call last):\nKeyError: \u{FFFD}\n")
        #expect(PyException("AssertionError").argsRepr == "()")
        #expect(PyException("ValueError", "short read").argsRepr == "('short read',)")
    }
}
