import ArgumentParser
import ChaosKit

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Watch a running bot's /health: mode changes, memory trend, errors; exit 1 when it stays unhealthy.")

    @Argument(help: "The bot's base URL or its /health URL.")
    var url: String

    @Option(help: "Time between polls (250ms, 10s, 1m).")
    var interval = DurationArgument(argument: "10s")!

    @Option(help: "How long to watch.")
    var duration = DurationArgument(argument: "24h")!

    @Option(help: "How long the bot may stay unhealthy or unreachable before the probe fails.")
    var unhealthyFor = DurationArgument(argument: "60s")!

    func validate() throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("URL \(url): expected http:// or https://")
        }
    }

    func run() async throws {
        var options = HealthProbe.Options(url: url)
        options.interval = interval.duration
        options.duration = duration.duration
        options.unhealthyFor = unhealthyFor.duration
        let code = await HealthProbe(options: options).run(output: printOutput)
        throw ExitCode(code.rawValue)
    }
}
