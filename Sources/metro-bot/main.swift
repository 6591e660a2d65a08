import ArgumentParser
import Bot
import Foundation
import Logging

// Reads the environment into a `BotConfiguration` and runs the bot; `metro-bot incident …` is
// `IncidentCommand`. Nothing else lives here.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "incident" {
    await IncidentCommand.run(arguments: Array(arguments.dropFirst()))
}
if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(ConfigurationVariable.helpText)
    exit(0)
}
// The bot takes no arguments: a mistyped subcommand must not start a second bot.
if let unknown = arguments.first {
    FileHandle.standardError.write(Data("metro-bot: unknown argument '\(unknown)'\n\(ConfigurationVariable.usage)\n".utf8))
    exit(64)  // EX_USAGE
}

let configuration: BotConfiguration
do {
    configuration = try BotConfiguration(environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("\(error.description)\n".utf8))
    exit(78)  // EX_CONFIG
}

do {
    let sink = try BotLogging.makeSink(directory: configuration.logs.directory, secrets: configuration.secrets)
    LoggingSystem.bootstrap { label in BotLogging.makeHandler(label: label, level: configuration.logs.level, sink: sink) }
} catch {
    FileHandle.standardError.write(Data("configuration error: LOG_DIR cannot be used (\(error)); set it to a writable directory\n".utf8))
    exit(78)
}

let logger = Logger(label: "metro-bot")
do {
    let store = configuration.store.postgres.map { "\($0)" } ?? configuration.store.databasePath
    logger.info("metro-bot starting", metadata: ["database": "\(store)", "sites": "\(configuration.location.sites.count)"])
    try await BotApplication(configuration: configuration, logger: logger).run()
    logger.info("metro-bot stopped")
} catch {
    logger.critical("metro-bot failed", metadata: ["error": "\(error)"])
    exit(1)
}
