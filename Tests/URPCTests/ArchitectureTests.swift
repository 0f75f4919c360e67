import Foundation
import Testing

/// The architecture a newcomer reads in Package.swift is the one the code has.
enum PackageManifest {
    struct Target { var name: String; var path: String; var dependencies: Set<String> }

    /// The targets of Package.swift with their dependencies (target names and product names).
    static func targets() throws -> [Target] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [Target] = []
        let decl = try Regex(#"\.(target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)""#)
        let starts = text.matches(of: decl)
        for (i, m) in starts.enumerated() {
            let end = i + 1 < starts.count ? starts[i + 1].range.lowerBound : text.endIndex
            let body = String(text[m.range.lowerBound..<end])
            let kind = String(m.output[1].substring ?? "")
            let name = String(m.output[2].substring ?? "")
            var deps = Set<String>()
            if let d = body.range(of: "dependencies:") {
                let list = body[d.upperBound...].prefix { $0 != "]" }
                for q in list.matches(of: try Regex(#"(?:product\(name:\s*)?"([^"]+)""#)) {
                    deps.insert(String(q.output[1].substring ?? ""))
                }
                // `package: "…"` names the package, not a dependency.
                for p in list.matches(of: try Regex(#"package:\s*"([^"]+)""#)) { deps.remove(String(p.output[1].substring ?? "")) }
            }
            var path = (kind == "testTarget" ? "Tests/" : "Sources/") + name
            if let p = body.firstMatch(of: try Regex(#"path:\s*"([^"]+)""#)) { path = String(p.output[1].substring ?? "") }
            out.append(Target(name: name, path: path, dependencies: deps))
        }
        return out
    }

    static func swiftFiles(under path: String) -> [URL] {
        let root = packageRoot.appendingPathComponent(path)
        let names = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        // Generated and build folders (bench/out, .build*) are not the project's sources.
        return names.filter { $0.hasSuffix(".swift") && !$0.hasPrefix("out/") && !$0.contains(".build") }
            .map { root.appendingPathComponent($0) }
    }

    /// Modules a target's sources import, system modules aside.
    static func imports(of t: Target) throws -> Set<String> {
        let system: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch", "Testing", "XCTest", "FoundationEssentials"]
        var out = Set<String>()
        let re = try Regex(#"(?m)^(?:@testable\s+|@_implementationOnly\s+)?import\s+([A-Za-z_]+)"#)
        for f in swiftFiles(under: t.path) {
            let text = try String(contentsOf: f, encoding: .utf8)
            for m in text.matches(of: re) { out.insert(String(m.output[1].substring ?? "")) }
        }
        return out.subtracting(system)
    }
}

@Test("every target's imports equal its Package.swift dependencies")
func importsEqualDependencies() throws {
    let targets = try PackageManifest.targets()
    #expect(targets.count >= 10)
    for t in targets {
        let imports = try PackageManifest.imports(of: t)
        #expect(imports == t.dependencies, "\(t.name): imports \(imports.sorted()), declares \(t.dependencies.sorted())")
    }
}

@Test("no source file is over 400 lines")
func smallFiles() throws {
    for dir in ["Sources", "Tests", "fuzz", "bench"] {
        for f in PackageManifest.swiftFiles(under: dir) {
            let lines = try String(contentsOf: f, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines <= 400, "\(f.path): \(lines) lines")
        }
    }
}

@Test("urpc's bytes and names are written only in URPC (corpora and dictionaries aside)")
func protocolLiteralsOnlyInURPC() throws {
    let literals = try Regex(#"0x5f,\s*0x64|0xd6,\s*0x01|"V1""#)
    for dir in ["Sources/Capture", "Sources/Lifecycle", "Sources/Fuzzing", "Sources/Simulator", "Sources/msgdissect",
                "Sources/msgfuzz", "Sources/urpc-sim", "Sources/MessagePack"] {
        for f in PackageManifest.swiftFiles(under: dir) where !f.lastPathComponent.contains("Dictionary") {
            let text = try String(contentsOf: f, encoding: .utf8)
            let hits = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") && $0.contains(literals) }
            #expect(hits.isEmpty, "\(f.path): \(hits.first ?? "")")
        }
    }
}
