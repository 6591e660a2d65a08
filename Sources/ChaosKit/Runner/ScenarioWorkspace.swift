import Foundation

/// A scenario's own temporary directory: the bot's database, sites file, service-account
/// credentials and logs. Removed at the end unless `--keep`.
public struct ScenarioWorkspace: Sendable {
    /// The directory.
    public let directory: URL

    /// Creates `chaos-<name>-<random>` under the system temporary directory.
    public static func create(name: String) throws -> ScenarioWorkspace {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("chaos-\(name)-\(UUID().uuidString.prefix(8).lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        return ScenarioWorkspace(directory: directory)
    }

    /// `data/metropolitan.sqlite`.
    public var databasePath: URL { directory.appendingPathComponent("data/metropolitan.sqlite") }
    /// `sites.json`.
    public var sitesFile: URL { directory.appendingPathComponent("sites.json") }
    /// `service-account.json` (mode 0600).
    public var credentialsFile: URL { directory.appendingPathComponent("service-account.json") }
    /// `logs/`, the bot's `LOG_DIR`.
    public var logDirectory: URL { directory.appendingPathComponent("logs") }
    /// `bot-output.log`: the bot's stdout and stderr, across restarts.
    public var outputLog: URL { directory.appendingPathComponent("bot-output.log") }

    /// Writes the sites file.
    public func writeSites(_ sites: [ScenarioSite]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sites).write(to: sitesFile)
    }

    /// Writes the service-account key readable only by the owner.
    public func writeCredentials(_ data: Data) throws {
        try data.write(to: credentialsFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentialsFile.path)
    }

    /// Everything the bot logged so far: its output, then `LOG_DIR/*.log`, as lines.
    public func logLines() -> [String] {
        var files = [outputLog]
        let logs = (try? FileManager.default.contentsOfDirectory(at: logDirectory, includingPropertiesForKeys: nil)) ?? []
        files += logs.filter { $0.lastPathComponent.contains(".log") }.sorted { $0.path < $1.path }
        return files.flatMap { file -> [String] in
            guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    /// Removes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
