import Bot
import ChaosKit
import Foundation
import MetroSupport
import Testing
import Yams

/// The files in deploy/ and the offline validators that check them against their schemas
/// (deploy/validators.txt, installed by .ci/run into .build/deploy-venv).
enum DeployFiles {
    /// The package's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    static func text(_ path: String) throws -> String { try String(contentsOf: url(path), encoding: .utf8) }
    static func yaml(_ path: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: text(path)) as? [String: Any], "\(path) is not a YAML mapping")
    }

    /// The Kubernetes files that are whole resources (the postgres/ patches are partial by design).
    static let kubernetesResources = ["deploy/kubernetes/base/deployment.yaml", "deploy/kubernetes/base/service.yaml",
                                      "deploy/kubernetes/base/pvc.yaml", "deploy/kubernetes/base/pdb.yaml", "deploy/kubernetes/postgres/hpa.yaml"]
}

/// The validators' virtual environment: `DEPLOY_VENV`, else `.build/deploy-venv`.
enum DeployValidators {
    static let venv = ProcessInfo.processInfo.environment["DEPLOY_VENV"].map { URL(fileURLWithPath: $0) }
        ?? DeployFiles.url(".build/deploy-venv")
    static let tools = ["hadolint", "kubernetes-validate", "check-jsonschema"]
    static var installed: Bool {
        tools.allSatisfy { FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/\($0)").path) }
    }
    static let howToInstall = "the deploy validators are not installed in \(venv.path); create them with "
        + "`python3 -m venv .build/deploy-venv && .build/deploy-venv/bin/pip install -r deploy/validators.txt` (.ci/run does this)"
    /// Runs where CI runs (CI set: a missing venv then fails the test) or where the venv exists;
    /// skipped on a developer's machine without it, with `howToInstall` as the reason.
    static var shouldRun: Bool { installed || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    struct Outcome: Sendable { var status: Int32; var output: String }

    /// Thrown by ``run(_:_:)`` when the venv is missing (only under CI: elsewhere the suite is skipped).
    struct Missing: Error, CustomStringConvertible {
        var description: String { DeployValidators.howToInstall }
    }

    /// Runs `tool arguments…` from the venv, in the package's root, as a child process.
    static func run(_ tool: String, _ arguments: [String]) async throws -> Outcome {
        guard installed else { throw Missing() }
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = venv.appendingPathComponent("bin/\(tool)")
                    process.arguments = arguments
                    process.currentDirectoryURL = DeployFiles.root
                    process.environment = ["PATH": venv.appendingPathComponent("bin").path + ":/usr/bin:/bin", "NO_COLOR": "1", "HOME": NSTemporaryDirectory()]
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    process.standardError = pipe
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
                })
            }.start()
        }
    }
}

@Suite(.enabled(if: DeployValidators.shouldRun, Comment(rawValue: DeployValidators.howToInstall)))
struct DeploymentSchemaTests {
    @Test("hadolint passes deploy/Dockerfile with no finding")
    func dockerfileLints() async throws {
        let result = try await DeployValidators.run("hadolint", ["deploy/Dockerfile"])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("every Kubernetes resource validates strictly against the bundled schemas")
    func kubernetesValidates() async throws {
        let result = try await DeployValidators.run("kubernetes-validate", ["--strict"] + DeployFiles.kubernetesResources)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.components(separatedBy: " passed for resource ").count - 1 == DeployFiles.kubernetesResources.count, "\(result.output)")
    }

    @Test("deploy/render.yaml validates against the vendored Blueprint schema, itself a valid JSON Schema")
    func renderValidates() async throws {
        let meta = try await DeployValidators.run("check-jsonschema", ["--check-metaschema", "deploy/schemas/render-blueprint.schema.json"])
        #expect(meta.status == 0, "\(meta.output)")
        let result = try await DeployValidators.run("check-jsonschema", ["--schemafile", "deploy/schemas/render-blueprint.schema.json", "deploy/render.yaml"])
        #expect(result.status == 0, "\(result.output)")
    }

    /// A broken copy of each file, so a validator that accepts anything would fail this test.
    @Test("each validator rejects a broken copy, naming the problem", arguments: [
        ("hadolint", "deploy/Dockerfile", "USER 10001:10001", "USER root", "DL3002"),
        ("kubernetes-validate", "deploy/kubernetes/base/deployment.yaml", "replicas: 1", "replicas: one", "replicas"),
        ("check-jsonschema", "deploy/render.yaml", "healthCheckPath: /health", "healthCheckPth: /health", "healthCheckPth"),
    ])
    func brokenCopiesFail(tool: String, file: String, original: String, broken: String, expected: String) async throws {
        let directory = try TemporaryDirectory()
        let text = try DeployFiles.text(file)
        #expect(text.contains(original))
        let copy = try directory.write(URL(fileURLWithPath: file).lastPathComponent, text.replacingOccurrences(of: original, with: broken))
        let arguments = switch tool {
        case "kubernetes-validate": ["--strict", copy]
        case "check-jsonschema": ["--schemafile", "deploy/schemas/render-blueprint.schema.json", copy]
        default: [copy]
        }
        let result = try await DeployValidators.run(tool, arguments)
        #expect(result.status != 0, "\(result.output)")
        #expect(result.output.contains(expected), "\(result.output)")
    }
}

/// What the schemas cannot say: the files agree with each other and with the bot.
@Suite struct DeploymentFilePropertyTests {
    static func deployment() throws -> (deployment: [String: Any], pod: [String: Any], container: [String: Any], env: [String: String]) {
        let deployment = try DeployFiles.yaml("deploy/kubernetes/base/deployment.yaml")
        let pod = try #require(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        var env: [String: String] = [:]
        for entry in container["env"] as? [[String: Any]] ?? [] {
            if let name = entry["name"] as? String, let value = entry["value"] as? String { env[name] = value }
        }
        return (deployment, pod, container, env)
    }

    @Test("Kubernetes: both probes GET /health on the container's port, which is the bot's PORT and the Service's target")
    func probes() throws {
        let (_, _, container, env) = try Self.deployment()
        let ports = try #require(container["ports"] as? [[String: Any]])
        let http = try #require(ports.first { $0["name"] as? String == "http" })
        let port = try #require(http["containerPort"] as? Int)
        #expect(env["PORT"] == "\(port)")
        for probe in ["readinessProbe", "livenessProbe"] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(probe) is not an httpGet")
            #expect(get["path"] as? String == "/health", "\(probe)")
            #expect(get["port"] as? String == "http" || get["port"] as? Int == port, "\(probe)")
        }
        let service = try DeployFiles.yaml("deploy/kubernetes/base/service.yaml")
        let servicePorts = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        #expect(servicePorts.allSatisfy { $0["targetPort"] as? String == "http" || $0["targetPort"] as? Int == port })
    }

    @Test("Kubernetes: the kill deadline less the preStop sleep exceeds SHUTDOWN_GRACE, read as the checklist reads it")
    func gracePeriod() throws {
        let (_, _, container, env) = try Self.deployment()
        let grace = try DurationText.read(try #require(env["SHUTDOWN_GRACE"]))
        let deadline = try KubernetesShutdownDeadline.read(DeployFiles.url("deploy/kubernetes/base/deployment.yaml").path)
        #expect(deadline.gracePeriodIsExplicit)
        #expect(deadline.preStopSeconds >= 3, "the preStop sleep lets the Service stop routing first")
        #expect(grace < deadline.drainBudget, "\(deadline)")
        #expect(((container["lifecycle"] as? [String: Any])?["preStop"]) != nil)
    }

    @Test("Kubernetes: non-root, secrets referenced and never embedded, one replica on SQLite and two only in the postgres overlay")
    func safety() throws {
        let (deployment, pod, container, env) = try Self.deployment()
        let security = try #require(pod["securityContext"] as? [String: Any])
        #expect(security["runAsNonRoot"] as? Bool == true)
        #expect((security["runAsUser"] as? Int ?? 0) != 0)
        #expect((container["securityContext"] as? [String: Any])?["allowPrivilegeEscalation"] as? Bool == false)
        for secret in ["TELEGRAM_BOT_TOKEN", "ADMIN_TOKEN", "WEBHOOK_SECRET", "DATABASE_URL"] { #expect(env[secret] == nil, "\(secret) is written in the manifest") }
        let fromSecret = (container["envFrom"] as? [[String: Any]] ?? []).compactMap { ($0["secretRef"] as? [String: Any])?["name"] as? String }
        #expect(fromSecret == ["metro-bot-env"])
        for file in try FileManager.default.subpathsOfDirectory(atPath: DeployFiles.url("deploy/kubernetes").path) where file.hasSuffix(".yaml") {
            #expect(!(try DeployFiles.text("deploy/kubernetes/" + file)).contains("kind: Secret"), "\(file) embeds a Secret")
        }
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1)
        #expect((spec["strategy"] as? [String: Any])?["type"] as? String == "Recreate")
        #expect(env["DATABASE_PATH"]?.hasPrefix("/data/") == true)

        let patch = try DeployFiles.yaml("deploy/kubernetes/postgres/deployment-patch.yaml")
        #expect((patch["spec"] as? [String: Any])?["replicas"] as? Int == 2)
        let hpa = try #require(try DeployFiles.yaml("deploy/kubernetes/postgres/hpa.yaml")["spec"] as? [String: Any])
        #expect(hpa["minReplicas"] as? Int == 2)
        let metric = try #require((hpa["metrics"] as? [[String: Any]])?.first?["resource"] as? [String: Any])
        #expect(metric["name"] as? String == "cpu")
        let pdb = try #require(try DeployFiles.yaml("deploy/kubernetes/postgres/pdb-patch.yaml")["spec"] as? [String: Any])
        #expect(pdb["minAvailable"] as? Int == 1)
        let kustomization = try DeployFiles.text("deploy/kubernetes/kustomization.yaml")
        #expect(kustomization.contains("- base"))
    }

    @Test("Render: /health, secrets prompted, DATABASE_URL from the declared database, SQLite on the disk, one instance, grace below the deadline")
    func render() throws {
        let blueprint = try DeployFiles.yaml("deploy/render.yaml")
        let service = try #require((blueprint["services"] as? [[String: Any]])?.first)
        #expect(service["healthCheckPath"] as? String == "/health")
        #expect(service["numInstances"] as? Int == 1, "a service with a disk runs one instance")
        var values: [String: String] = [:], prompted: Set<String> = [], database: String?
        for entry in service["envVars"] as? [[String: Any]] ?? [] {
            let key = try #require(entry["key"] as? String)
            if let value = entry["value"] { values[key] = "\(value)" }
            if entry["sync"] as? Bool == false { prompted.insert(key) }
            if key == "DATABASE_URL" { database = (entry["fromDatabase"] as? [String: Any])?["name"] as? String }
        }
        #expect(prompted.isSuperset(of: ["TELEGRAM_BOT_TOKEN", "ADMIN_TOKEN", "WEBHOOK_SECRET", "SPREADSHEET_ID"]))
        #expect(values["PORT"] == "8080")
        let declared = (blueprint["databases"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(database != nil && declared.contains(database!))
        let mount = try #require((service["disk"] as? [String: Any])?["mountPath"] as? String)
        #expect(values["DATABASE_PATH"]?.hasPrefix(mount + "/") == true)
        let grace = try DurationText.read(try #require(values["SHUTDOWN_GRACE"]))
        #expect(grace < .seconds(try #require(service["maxShutdownDelaySeconds"] as? Int)))
        #expect(service["dockerfilePath"] as? String == "./deploy/Dockerfile")
    }

    @Test("Dockerfile: non-root numeric user, HEALTHCHECK on /health at PORT, the exposed port is PORT, the store on the volume")
    func dockerfile() throws {
        let text = try DeployFiles.text("deploy/Dockerfile")
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count >= 2, "multi-stage")
        #expect(stages.first?.contains("swift:") == true && stages.first?.contains(" AS build") == true)
        #expect(text.contains("swift build -c release --product metro-bot"))
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        let uid = try #require(Int(user.dropFirst(5).split(separator: ":").first ?? ""))
        #expect(uid != 0)
        let healthcheck = try #require(text.range(of: "\nHEALTHCHECK ").map { String(text[$0.lowerBound...]) })
        #expect(healthcheck.prefix(400).contains("http://127.0.0.1:${PORT}/health"))
        #expect(text.contains("PORT=8080") && lines.contains("EXPOSE 8080"))
        #expect(text.contains("DATABASE_PATH=/data/") && lines.contains(#"VOLUME ["/data"]"#))
        let ignore = try DeployFiles.text(".dockerignore")
        #expect(ignore.contains(".build/") && ignore.contains(".git/"))
    }
}
