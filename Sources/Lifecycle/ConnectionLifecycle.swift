import Capture

/// One connection's proxy lifecycle in the shape of the capture manifests' `proxies` section
/// (`ground_truth.json`): plain facts keyed by message number `n` and frame, without interpretation.
package struct ConnectionLifecycle: Sendable, Equatable {
    package struct Born: Sendable, Equatable {
        package var id: UInt32
        package var msg: Int
        package var frame: Int
        package var inReplyTo: Int?
        package var cmd: String?
    }
    package struct Used: Sendable, Equatable {
        package var id: UInt32
        package var msg: Int
        package var frame: Int
        package var cmd: String
    }
    package struct Released: Sendable, Equatable {
        package var id: UInt32
        package var msg: Int
        package var frame: Int
        package var processedByServer: Bool
    }
    package struct DoubleRelease: Sendable, Equatable {
        package var id: UInt32
        package var msg: Int
        package var frame: Int
    }
    package struct RegistrySnapshot: Sendable, Equatable {
        package var msg: Int
        package var ids: [UInt32]
        package var matchesLifecycle: Bool
    }

    package var stream: Int
    package var client: Endpoint?
    package var server: Endpoint?
    package var born: [Born] = []
    package var used: [Used] = []
    package var released: [Released] = []
    package var doubleReleases: [DoubleRelease] = []
    package var usesAfterRelease: [Used] = []
    package var unknownIDs: [UInt32] = []
    package var usedBeforeIssuedOnWire: [Used] = []
    package var leakedAtEnd: [UInt32] = []
    package var registrySnapshots: [RegistrySnapshot] = []

    package init(stream: Int, client: Endpoint? = nil, server: Endpoint? = nil) {
        self.stream = stream
        self.client = client
        self.server = server
    }
}
