import Foundation

/// Runs a program to its end (stderr discarded): its exit status and standard output. The one
/// runner of the tests that drive tshark and the built binaries.
package func runToEnd(_ executable: String, _ arguments: [String],
                      environment: [String: String]? = nil) throws -> (status: Int32, stdout: Data) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, data)
}
