import Bot
import ChaosKit
import Foundation
import Testing

/// The checklist's two deployment items: "the store survives restarts" and "SHUTDOWN_GRACE is
/// below the platform's kill deadline", with `--platform`, `--persistent-volume` and
/// `--kubernetes-manifest`.
@Suite struct ChecklistDeploymentTests {
    static func item(_ claim: String, _ items: [ChecklistItem]) throws -> ChecklistItem {
        try #require(items.first { $0.claim == claim }, "no item \(claim) in \(items.map(\.line))")
    }

    @Test("the store item: passes with DATABASE_URL or on a persistent disk, warns on an ephemeral one", arguments: [
        (DeploymentPlatform.render, false, nil, true, "DATABASE_URL is unset"),
        (.render, false, "postgres://metro:pw@db:5432/metro", false, "PostgreSQL at DATABASE_URL"),
        (.kubernetes, false, nil, true, "mount a persistent volume"),
        (.heroku, false, nil, true, "heroku's disk is new at every deploy"),
        (.render, true, nil, false, "on the persistent volume"),
        (.vm, false, nil, false, "vm's local disk"),
        (.kubernetes, false, "postgres://metro:pw@db:5432/metro", false, "survives deploys"),
    ] as [(DeploymentPlatform, Bool, String?, Bool, String)])
    func store(platform: DeploymentPlatform, persistentVolume: Bool, databaseURL: String?, warns: Bool, detail: String) throws {
        var fixture = try DeploymentFixture()
        if let databaseURL { fixture.environment["DATABASE_URL"] = databaseURL }
        let (items, _) = DeploymentChecks.check(fixture.environment, target: .init(platform: platform, persistentVolume: persistentVolume))
        let item = try Self.item(DeploymentChecks.storeClaim, items)
        #expect(item.passed)
        #expect(item.isWarning == warns, "\(item.line)")
        #expect(item.line.hasPrefix(warns ? "[!] " : "[x] "))
        #expect(item.detail.contains(detail), "\(item.detail)")
        #expect(!item.line.contains("pw@"), "the URL's password is never shown")
    }

    @Test("the deadline item uses each platform's default when no manifest is given", arguments: [
        (DeploymentPlatform.render, "25s", true), (.render, "30s", false), (.docker, "25s", false), (.docker, "9s", true),
        (.kubernetes, "29s", true), (.heroku, "31s", false), (.vm, "60s", true),
    ])
    func platformDefaults(platform: DeploymentPlatform, grace: String, holds: Bool) throws {
        var fixture = try DeploymentFixture()
        fixture.environment["SHUTDOWN_GRACE"] = grace
        let (items, _) = DeploymentChecks.check(fixture.environment, target: .init(platform: platform))
        let item = try Self.item(DeploymentChecks.shutdownClaim, items)
        #expect(item.passed == holds, "\(item.line)")
        #expect(item.proof.contains("--platform \(platform.rawValue)"))
        if !holds { #expect(item.detail.contains("kills the bot before it has flushed")) }
    }

    @Test("the shipped Deployment gives 40 s less a 5 s preStop sleep: 25s holds, 35s does not")
    func shippedManifest() throws {
        let path = DeployFiles.url("deploy/kubernetes/base/deployment.yaml").path
        let deadline = try KubernetesShutdownDeadline.read(path)
        #expect(deadline.file == path && deadline.workload == "Deployment metro-bot")
        #expect(deadline.gracePeriodSeconds == 40 && deadline.gracePeriodIsExplicit && deadline.preStopSeconds == 5)
        #expect(deadline.drainBudget == .seconds(35))
        for (grace, holds) in [("25s", true), ("35s", false)] {
            var fixture = try DeploymentFixture()
            fixture.environment["SHUTDOWN_GRACE"] = grace
            let (items, _) = DeploymentChecks.check(fixture.environment, target: .init(platform: .kubernetes, persistentVolume: true, kubernetes: deadline))
            let item = try Self.item(DeploymentChecks.shutdownClaim, items)
            #expect(item.passed == holds, "\(item.line)")
            #expect(item.detail.contains("40 s terminationGracePeriodSeconds less the 5 s preStop sleep of Deployment metro-bot"), "\(item.detail)")
            #expect(item.proof.contains(path))
            if !holds { #expect(item.detail.contains("set terminationGracePeriodSeconds above 5 + SHUTDOWN_GRACE")) }
        }
    }

    @Test("manifests: the default grace when absent, preStop as exec sleep, sh -c or the sleep action, several documents", arguments: [
        ("kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: c}]}}}", 30, false, 0),
        ("kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {terminationGracePeriodSeconds: 60, containers: [{name: c, lifecycle: {preStop: {exec: {command: [sh, -c, 'sleep 10']}}}}]}}}", 60, true, 10),
        ("kind: StatefulSet\nmetadata: {name: a}\nspec: {template: {spec: {terminationGracePeriodSeconds: 45, containers: [{name: c, lifecycle: {preStop: {sleep: {seconds: 7}}}}]}}}", 45, true, 7),
        ("kind: Service\nmetadata: {name: s}\n---\nkind: Pod\nmetadata: {name: p}\nspec: {terminationGracePeriodSeconds: 12, containers: [{name: c, lifecycle: {preStop: {httpGet: {path: /x, port: 80}}}}]}", 12, true, 0),
    ])
    func manifests(yaml: String, grace: Int, explicit: Bool, preStop: Int) throws {
        let deadline = try KubernetesShutdownDeadline.parse(yaml, file: "m.yaml")
        #expect(deadline.gracePeriodSeconds == grace)
        #expect(deadline.gracePeriodIsExplicit == explicit)
        #expect(deadline.preStopSeconds == preStop)
    }

    @Test("a bad manifest is one clear line naming the file and the field", arguments: [
        ("kind: Deployment\nspec: [unclosed", "not YAML"),
        ("kind: Service\nmetadata: {name: s}", "no workload (kind: Deployment"),
        ("kind: Deployment\nmetadata: {name: a}\nspec: {replicas: 1}", "Deployment a has no spec.template.spec"),
        ("kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {terminationGracePeriodSeconds: forty}}}", "spec.template.spec.terminationGracePeriodSeconds of Deployment a is \"forty\"; expected whole seconds"),
        ("kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {terminationGracePeriodSeconds: -5}}}", "terminationGracePeriodSeconds of Deployment a is \"-5\""),
        ("kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {terminationGracePeriodSeconds: 40, containers: [{name: c, lifecycle: {preStop: {exec: {command: [sleep, soon]}}}}]}}}",
         "spec.template.spec.containers[0].lifecycle.preStop.exec.command of Deployment a sleeps \"soon\""),
    ])
    func badManifest(yaml: String, message: String) throws {
        let error = #expect(throws: KubernetesShutdownDeadline.Problem.self) { try KubernetesShutdownDeadline.parse(yaml, file: "bad.yaml") }
        let line = error?.description ?? ""
        #expect(line.hasPrefix("--kubernetes-manifest bad.yaml: "), "\(line)")
        #expect(line.contains(message), "\(line)")
        #expect(!line.contains("\n"), "\(line)")
    }

    @Test("a manifest that does not exist names the file")
    func missingManifest() throws {
        let error = #expect(throws: KubernetesShutdownDeadline.Problem.self) { try KubernetesShutdownDeadline.read("/nonexistent/deployment.yaml") }
        #expect(error?.description.hasPrefix("--kubernetes-manifest /nonexistent/deployment.yaml: cannot be read") == true, "\(String(describing: error))")
    }

    @Test("chaos checklist --kubernetes-manifest with the shipped Deployment: the deadline holds, the store warns [!], exit 0")
    func commandWithManifest() async throws {
        let fixture = try DeploymentFixture()
        let manifest = DeployFiles.url("deploy/kubernetes/base/deployment.yaml").path
        let report = fixture.directory.path("checklist.md")
        let result = try await ChaosBinary.run(["checklist", "--skip-scenarios", "--kubernetes-manifest", manifest, "--report", report], environment: fixture.environment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("- [x] **warning:** the store survives restarts — *DATABASE_URL, DATABASE_PATH, --platform kubernetes*"), "\(markdown)")
        #expect(result.stdout.contains("[x] SHUTDOWN_GRACE is below the platform's kill deadline — SHUTDOWN_GRACE, terminationGracePeriodSeconds in \(manifest): 25s < 35s"), "\(result.stdout)")
        #expect(result.stdout.contains("[!] the store survives restarts — DATABASE_URL, DATABASE_PATH, --platform kubernetes: DATABASE_URL is unset"), "\(result.stdout)")
        #expect(result.stdout.contains("1 with a warning"))
        let withVolume = try await ChaosBinary.run(["checklist", "--skip-scenarios", "--platform", "kubernetes", "--persistent-volume", "--kubernetes-manifest", manifest],
                                                   environment: fixture.environment)
        #expect(withVolume.status == 0)
        #expect(withVolume.stdout.contains("[x] the store survives restarts"), "\(withVolume.stdout)")
        #expect(!withVolume.stdout.contains("[!]"))
    }

    @Test("bad deployment flags are invalid input (exit 2) with one line naming the flag, file or field", arguments: [
        (["--platform", "mainframe"], "--platform mainframe: unknown; expected one of render, kubernetes, docker, heroku, vm"),
        (["--platform", "render", "--kubernetes-manifest", "<directory>/deployment.yaml"], "--kubernetes-manifest is read for --platform kubernetes, not render"),
        (["--kubernetes-manifest", "<directory>/missing.yaml"], "--kubernetes-manifest <directory>/missing.yaml: cannot be read"),
        (["--kubernetes-manifest", "<directory>/deployment.yaml"], "spec.template.spec.terminationGracePeriodSeconds of Deployment metro-bot is \"30s\""),
    ])
    func badFlags(flags: [String], message: String) async throws {
        let fixture = try DeploymentFixture()
        try fixture.directory.write("deployment.yaml", "kind: Deployment\nmetadata: {name: metro-bot}\nspec: {template: {spec: {terminationGracePeriodSeconds: 30s}}}\n")
        let directory = fixture.directory.url.path
        let result = try await ChaosBinary.run(["checklist", "--skip-scenarios"] + flags.map { $0.replacingOccurrences(of: "<directory>", with: directory) },
                                               environment: fixture.environment)
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(message.replacingOccurrences(of: "<directory>", with: directory)), "\(result.stderr)")
    }
}
