import Foundation

/// `--filter GLOB`: keeps scenarios whose name or one of whose tags matches a shell glob
/// (`sigterm-*`, `shutdown`, `*webhook*`).
public struct ScenarioFilter: Sendable {
    /// The glob; nil keeps everything.
    public var glob: String?

    /// Creates a filter. Defaults to keeping everything.
    public init(glob: String? = nil) {
        self.glob = glob
    }

    /// Whether `scenario` is kept.
    public func matches(_ scenario: Scenario) -> Bool {
        guard let glob else { return true }
        return ([scenario.name] + scenario.tags).contains { fnmatch(glob, $0, 0) == 0 }
    }
}
