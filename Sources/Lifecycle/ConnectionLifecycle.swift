import Capture

/// One connection's proxy lifecycle in the shape of the capture manifests' `proxies` section
/// (`ground_truth.json`): plain facts keyed by message number `n` and frame, without interpretation.
public struct ConnectionLifecycle: Sendable, Equatable {
    public struct Born: Sendable, Equatable {
        public var id: UInt32
        public var msg: Int
        public var frame: Int
        public var inReplyTo: Int?
        public var cmd: String?
    }
    public struct Used: Sendable, Equatable {
        public var id: UInt32
        public var msg: Int
        public var frame: Int
        public var cmd: String
    }
    public struct Released: Sendable, Equatable {
        public var id: UInt32
        public var msg: Int
        public var frame: Int
        public var processedByServer: Bool
    }
    public struct DoubleRelease: Sendable, Equatable {
        public var id: UInt32
        public var msg: Int
        public var frame: Int
    }
    public struct RegistrySnapshot: Sendable, Equatable {
        public var msg: Int
        public var ids: [UInt32]
        public var matchesLifecycle: Bool
    }

    public var stream: Int
    public var client: Endpoint?
    public var server: Endpoint?
    public var born: [Born] = []
    public var used: [Used] = []
    public var released: [Released] = []
    public var doubleReleases: [DoubleRelease] = []
    public var usesAfterRelease: [Used] = []
    public var unknownIDs: [UInt32] = []
    public var usedBeforeIssuedOnWire: [Used] = []
    public var leakedAtEnd: [UInt32] = []
    public var registrySnapshots: [RegistrySnapshot] = []

    public init(stream: Int, client: Endpoint? = nil, server: Endpoint? = nil) {
        self.stream = stream
        self.client = client
        self.server = server
    }
}
