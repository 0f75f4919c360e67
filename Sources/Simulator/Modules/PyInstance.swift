/// An instance of a simulated Python class, with methods, read-only properties and `__str__`.
package final class PyInstance: PyObject {
    package let className: String
    package typealias Method = (_ this: PyInstance, _ args: [PyValue], _ kwargs: [(key: String, value: PyValue)], _ ctx: PyContext) throws -> PyValue
    let methods: [String: Method]
    let properties: [String: (PyInstance) throws -> PyValue]
    let strFunction: ((PyInstance) throws -> String)?
    /// The source file and line of each method, for tracebacks of errors raised inside it.
    let source: (file: String, lines: [String: Int])?

    init(className: String, address: UInt32, methods: [String: Method] = [:],
         properties: [String: (PyInstance) throws -> PyValue] = [:],
         str: ((PyInstance) throws -> String)? = nil, source: (file: String, lines: [String: Int])? = nil) {
        self.className = className
        self.methods = methods
        self.properties = properties
        self.strFunction = str
        self.source = source
        super.init(address: address)
    }

    package override var typeName: String { className }
    package override func repr() -> String { "<\(className) object at \(String(address, radix: 16))>" }
    package override func str() -> String { (try? strFunction?(self)) ?? repr() }

    package override func method(_ name: String) -> PyFunction? {
        guard let m = methods[name] else { return nil }
        let frame = source.flatMap { s in s.lines[name].map { PyException.Frame(s.file, $0, name) } }
        return { [unowned self] args, kwargs, ctx in
            do { return try m(self, args, kwargs, ctx) } catch let e as PyException {
                if let frame { throw e.adding(frame) }
                throw e
            }
        }
    }

    package override func getAttr(_ name: String) throws -> PyValue {
        if let p = properties[name] { return try p(self) }
        return try super.getAttr(name)
    }

    package override func setAttr(_ name: String, _ value: PyValue) throws {
        if properties[name] != nil { throw PyException("AttributeError", "can't set attribute") }
        attributes[name] = value
    }
}
