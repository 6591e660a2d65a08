import Foundation

/// A scenario's own temporary directory: the sites file and service-account credentials every
/// instance shares, and each instance's database and logs (``InstanceFiles``). Removed at the
/// end unless `--keep`.
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

    /// The default instance's files, at the top of the directory (`data/metropolitan.sqlite`,
    /// `logs/`, `bot-output.log`).
    public var defaultInstance: InstanceFiles { InstanceFiles(directory: directory) }

    /// An instance's files: the default instance's at the top, any other's under
    /// `instances/<name>/`, created on first use.
    public func instance(_ name: String) throws -> InstanceFiles {
        guard name != BotInstanceName.default else { return defaultInstance }
        let files = InstanceFiles(directory: directory.appendingPathComponent("instances/\(name)", isDirectory: true))
        try FileManager.default.createDirectory(at: files.logDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: files.databasePath.deletingLastPathComponent(), withIntermediateDirectories: true)
        return files
    }

    /// The default instance's `data/metropolitan.sqlite`.
    public var databasePath: URL { defaultInstance.databasePath }
    /// `sites.json`, shared by every instance.
    public var sitesFile: URL { directory.appendingPathComponent("sites.json") }
    /// `service-account.json` (mode 0600), shared by every instance.
    public var credentialsFile: URL { directory.appendingPathComponent("service-account.json") }
    /// The default instance's `logs/`.
    public var logDirectory: URL { defaultInstance.logDirectory }
    /// The default instance's `bot-output.log`.
    public var outputLog: URL { defaultInstance.outputLog }

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

    /// Everything the default instance logged so far (``InstanceFiles/logLines()``).
    public func logLines() -> [String] {
        defaultInstance.logLines()
    }

    /// Removes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// One bot instance's own files: its SQLite database, its `LOG_DIR` and its captured output.
/// Each instance has its own so that one's restart keeps its state and its log reads alone.
public struct InstanceFiles: Sendable {
    /// The instance's directory, also its working directory.
    public let directory: URL

    /// `data/metropolitan.sqlite`, the instance's `DATABASE_PATH` with the SQLite store.
    public var databasePath: URL { directory.appendingPathComponent("data/metropolitan.sqlite") }
    /// `logs/`, the instance's `LOG_DIR`.
    public var logDirectory: URL { directory.appendingPathComponent("logs") }
    /// `bot-output.log`: the instance's stdout and stderr, across restarts.
    public var outputLog: URL { directory.appendingPathComponent("bot-output.log") }

    /// Everything the instance logged so far: its output, then `LOG_DIR/*.log`, as lines.
    public func logLines() -> [String] {
        var files = [outputLog]
        let logs = (try? FileManager.default.contentsOfDirectory(at: logDirectory, includingPropertiesForKeys: nil)) ?? []
        files += logs.filter { $0.lastPathComponent.contains(".log") }.sorted { $0.path < $1.path }
        return files.flatMap { file -> [String] in
            guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }
}
