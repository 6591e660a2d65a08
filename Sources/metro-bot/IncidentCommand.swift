import ArgumentParser
import Bot
import Foundation
import Logging

/// `metro-bot incident export`: an incident bundle from a store, read offline (for example a copy
/// of production's database), as `GET /admin/incident` gives one from a running bot.
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metro-bot incident",
        abstract: "Incident bundles from the bot's store.",
        subcommands: [Export.self])

    /// Parses `arguments`, runs the command they name and exits: 0 when it worked, 64 for a usage
    /// error (ArgumentParser's), 1 otherwise.
    static func run(arguments: [String]) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if let export = command as? Export {
                try await export.run()
            } else {
                try command.run()  // help, or the list of subcommands
            }
            Foundation.exit(0)
        } catch {
            exit(withError: error)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write what happened in a window of time (updates, failures, mode changes, restarts) as one JSON file.")

        @Option(help: "Start of the window: a duration before now (2h, 30m, 7d) or an ISO 8601 time (2026-12-04T14:00:00Z).")
        var since: String

        @Option(help: "End of the window, written as --since is. Defaults to now.")
        var until: String?

        @Flag(help: "Replace user ids, names and usernames with invented ones, consistently.")
        var anonymize = false

        @Flag(help: "Round coordinates to two decimals (about a kilometre).")
        var blurLocations = false

        @Option(help: "Where to write the bundle.")
        var out: String

        @Option(help: "The SQLite store to read. Defaults to DATABASE_URL's PostgreSQL store when set, else DATABASE_PATH, else data/metropolitan.sqlite.")
        var database: String?

        func run() async throws {
            let now = Date()
            let start = try Self.time(since, option: "--since", now: now)
            let end = try until.map { try Self.time($0, option: "--until", now: now) }
            let environment = ProcessInfo.processInfo.environment
            let store = try await openStore(environment: environment)
            let bundle: IncidentBundle
            do {
                bundle = try await IncidentBundle.export(from: store, since: start, until: end, environment: environment,
                                                         anonymize: anonymize, blurLocations: blurLocations, now: now)
                try? await store.close()
            } catch let error as IncidentExportError {
                try? await store.close()
                throw ValidationError(error.description)
            } catch {
                try? await store.close()
                throw error
            }
            try IncidentBundle.encoder.encode(bundle).write(to: URL(fileURLWithPath: out))
            print("wrote \(out): \(bundle.updates.count) updates, \(bundle.events.count) events from \(bundle.since) to \(bundle.until)"
                  + (anonymize ? ", anonymized" : "") + (blurLocations ? ", locations blurred" : ""))
        }

        /// `--database`'s SQLite file, else `DATABASE_URL`'s PostgreSQL store, else `DATABASE_PATH`'s file.
        func openStore(environment: [String: String]) async throws -> any BotStore {
            if database == nil, let url = environment["DATABASE_URL"], !url.isEmpty {
                let settings: PostgresConnectionSettings
                do {
                    settings = try PostgresConnectionSettings(url: url)
                } catch {
                    throw ValidationError(error.description)
                }
                var configuration = PostgresStore.Configuration()
                configuration.startupAttempts = 1
                return try await PostgresStore.open(settings: settings, configuration: configuration,
                                                    logger: Logger(label: "metro-bot.incident"))
            }
            let path = database ?? environment["DATABASE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/metropolitan.sqlite"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no store at \(path): pass --database PATH or set DATABASE_PATH (or DATABASE_URL)")
            }
            return try BotDatabase(path: path)
        }

        /// A duration before `now`, or an ISO 8601 time.
        static func time(_ text: String, option: String, now: Date) throws -> Date {
            if let date = IncidentEndpoint.time(text, now: now) { return date }
            throw ValidationError("\(option) \"\(text)\" is neither a duration (2h, 30m, 7d) nor an ISO 8601 time (2026-12-04T14:00:00Z)")
        }
    }
}
