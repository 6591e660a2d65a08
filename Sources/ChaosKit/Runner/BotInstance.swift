import Foundation

/// One named bot instance of a running scenario: its own port (kept across restarts, so the
/// front and the scenario's `http` steps always find it), its own files, the process now running
/// and every run so far.
final class BotInstance {
    /// The instance's name (``BotInstanceName/default`` for steps that name none).
    let name: String
    /// Its HTTP port on 127.0.0.1.
    let port: Int
    /// Its database, log directory and captured output.
    let files: InstanceFiles
    /// The process of the latest start, running or exited; nil before the first start.
    var process: BotProcess?
    /// Every start, in order.
    var runs: [BotProcess] = []
    /// The environment of the latest start, carried over to a `restart_bot`.
    var overrides: [String: String] = [:]

    init(name: String, port: Int, files: InstanceFiles) {
        self.name = name
        self.port = port
        self.files = files
    }

    /// "the bot" for the default instance, "instance b" for the others: how steps' details and
    /// failures name it, so that a single-instance scenario reads as it always has.
    var label: String { Self.label(name) }

    static func label(_ name: String) -> String {
        name == BotInstanceName.default ? "the bot" : "instance \(name)"
    }
}
