import ArgumentParser
import ChaosKit

struct ChecklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "The pre-deployment checklist: this environment's configuration, then every claim proved by a scenario.",
        discussion: """
            The configuration is read from the environment, the same variables metro-bot reads, and checked offline \
            unless --online is given, which also calls Telegram (getMe, getWebhookInfo) and Google (token exchange, \
            spreadsheets.get) with it. --platform, --persistent-volume and --kubernetes-manifest describe where it runs. \
            Exit codes: 0 every item holds (items marked [!] hold with a warning to read), 1 some does not, 2 invalid input.
            """)

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    @Option(help: "The metro-bot executable.")
    var bot: String?

    @Option(help: "Write the checklist as Markdown here.")
    var report: String?

    @Option(help: "How many scenarios run at once.")
    var jobs: Int = 2

    @Option(help: "The run seed.")
    var seed: UInt64?

    @Option(help: "Only scenarios whose name or a tag matches this glob (the other claims are reported as not run).")
    var filter: String?

    @Flag(help: "Also try the configuration against Telegram and Google (read-only calls).")
    var online = false

    @Flag(help: "Do not check this environment as a deployment's configuration.")
    var skipConfiguration = false

    @Flag(help: "Only the configuration checks; no scenario runs.")
    var skipScenarios = false

    @Option(help: "Where the bot runs: \(DeploymentPlatform.names) (default: render, or kubernetes with --kubernetes-manifest). Decides whether the disk survives a deploy and when SIGKILL comes.")
    var platform: String?

    @Flag(help: "A persistent volume holds DATABASE_PATH (the disk survives deploys).")
    var persistentVolume = false

    @Option(help: "A Kubernetes manifest (or `kubectl kustomize` output) whose terminationGracePeriodSeconds and preStop sleep give the kill deadline.")
    var kubernetesManifest: String?

    func run() async throws {
        var options = DeploymentChecklist.Options()
        options.paths = paths
        options.bot = bot
        options.report = report
        options.jobs = jobs
        options.seed = seed
        options.filter = filter
        options.online = online
        options.skipConfiguration = skipConfiguration
        options.skipScenarios = skipScenarios
        options.platform = platform
        options.persistentVolume = persistentVolume
        options.kubernetesManifest = kubernetesManifest
        let code = await DeploymentChecklist.run(options, output: printOutput, errors: printError)
        throw ExitCode(code.rawValue)
    }
}
