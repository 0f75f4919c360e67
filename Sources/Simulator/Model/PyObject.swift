/// What a builtin function receives besides its arguments.
package protocol PyContext: AnyObject {
    /// Writes console output (MicroPython `print` → dupterm → ExtType(3) while `ex`/`cm` runs).
    func consoleWrite(_ bytes: [UInt8])
    /// The line ending the simulated console prints.
    var lineEnding: String { get }
    /// A fresh heap address for a new object.
    func allocate(size: Int) -> UInt32
    /// An address in the binary's data segment (above 2^30 on a 32-bit unix build), for the
    /// ROM objects of built-in modules.
    func staticAllocate() -> UInt32
    /// Imports a module by name (shared instances per session).
    func importModule(_ name: String) throws -> PyObject
    /// Live objects in the proxy registry (for `gc.mem_alloc` and friends).
    var registryCount: Int { get }
}

package typealias PyFunction = (_ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue

/// A simulated heap object. Subclasses: modules, classes, instances, functions, sockets …
package class PyObject {
    package let address: UInt32
    package var attributes: [String: PyValue] = [:]

    package init(address: UInt32) { self.address = address }

    package var typeName: String { "object" }
    package func repr() -> String { "<\(typeName) object at \(String(address, radix: 16))>" }
    package func str() -> String { repr() }

    /// Methods looked up by `getattr`, bound to `self`.
    package func method(_ name: String) -> PyFunction? { nil }

    package func getAttr(_ name: String) throws -> PyValue {
        if let v = attributes[name] { return v }
        if let m = method(name) { return .object(BuiltinFunction(name: name, address: address &+ 0x40, function: m, bound: self)) }
        throw PyException.attribute(.object(self), name)
    }

    package func setAttr(_ name: String, _ value: PyValue) throws {
        attributes[name] = value
    }

    package func call(_ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue {
        throw PyException.notCallable(.object(self))
    }

    /// `readinto(buffer)`: fills `buffer` and returns the count, or nil (None) when nothing can be
    /// read now. Objects without it raise AttributeError.
    package func readinto(_ buffer: inout [UInt8]) throws -> Int? {
        throw PyException.attribute(.object(self), "readinto")
    }
}

/// A builtin or bound function.
package final class BuiltinFunction: PyObject {
    package let name: String
    let function: PyFunction
    weak var bound: PyObject?

    package init(name: String, address: UInt32, function: @escaping PyFunction, bound: PyObject? = nil) {
        self.name = name
        self.function = function
        self.bound = bound
        super.init(address: address)
    }

    package override var typeName: String { bound == nil ? "function" : "bound_method" }
    package override func repr() -> String {
        if let b = bound { return "<bound_method \(String(address, radix: 16)) \(b.repr()).<function \(name)>>" }
        return "<function \(name) at 0x\(String(address, radix: 16))>"
    }
    package override func call(_ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue {
        try function(args, kwargs, ctx)
    }
}

/// A module object.
package final class PyModule: PyObject {
    package let name: String
    /// Source file for modules loaded from the file system (`rpc_test.py`), nil for built-ins.
    package let file: String?

    package init(name: String, file: String? = nil, address: UInt32) {
        self.name = name
        self.file = file
        super.init(address: address)
    }

    package override var typeName: String { "module" }
    package override func repr() -> String {
        if let f = file { return "<module '\(name)' from '\(f)'>" }
        return "<module '\(name)'>"
    }

    package override func getAttr(_ name: String) throws -> PyValue {
        if let v = attributes[name] { return v }
        if name == "__name__" { return .string(self.name) }
        throw PyException.attribute(.object(self), name)
    }

    func def(_ name: String, _ ctx: PyContext, _ f: @escaping PyFunction) {
        attributes[name] = .object(BuiltinFunction(name: name, address: ctx.staticAllocate(), function: f))
    }
}

/// A class: calling it makes an instance.
package final class PyClass: PyObject {
    package let name: String
    let make: (_ cls: PyClass, _ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue

    package init(name: String, address: UInt32,
                make: @escaping (_ cls: PyClass, _ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue) {
        self.name = name
        self.make = make
        super.init(address: address)
    }

    package override var typeName: String { "type" }
    package override func repr() -> String { "<class '\(name)'>" }
    package override func call(_ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue {
        try make(self, args, kwargs, ctx)
    }
}

/// Helpers for argument checking in builtins.
enum Args {
    /// A float as an int, as MicroPython's `int()`/`floor`/`ceil` do: NaN and infinities raise
    /// (a plain conversion would trap and take the whole simulated device down).
    static func integral(_ f: Float) throws -> Int64 {
        if f.isNaN { throw PyException("ValueError", "cannot convert float NaN to integer") }
        guard let i = Int64(exactly: f.rounded(.towardZero)) else {
            throw PyException("OverflowError", f.isInfinite ? "cannot convert float infinity to integer"
                                                            : "overflow converting long int to machine word")
        }
        return i
    }

    static func count(_ args: [PyValue], _ n: Int) throws {
        if args.count != n { throw PyException.argCount(n, args.count) }
    }
    static func range(_ args: [PyValue], _ r: ClosedRange<Int>) throws {
        if !r.contains(args.count) {
            throw PyException("TypeError", "function expected at most \(r.upperBound) arguments, got \(args.count)")
        }
    }
    static func int(_ v: PyValue) throws -> Int64 {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw PyException("TypeError", "can't convert \(v.typeName) to int")
        }
    }
    static func float(_ v: PyValue) throws -> Float {
        switch v {
        case .int(let i): return Float(i)
        case .float(let f): return f
        case .bool(let b): return b ? 1 : 0
        default: throw PyException("TypeError", "can't convert \(v.typeName) to float")
        }
    }
    static func string(_ v: PyValue) throws -> String {
        if case .str(let b) = v { return String(decoding: b, as: UTF8.self) }
        throw PyException("TypeError", "can't convert '\(v.typeName)' object to str implicitly")
    }
    static func buffer(_ v: PyValue) throws -> [UInt8] {
        switch v {
        case .bytes(let b): return b
        case .str(let b): return b
        default: throw PyException("TypeError", "object with buffer protocol required")
        }
    }
}
