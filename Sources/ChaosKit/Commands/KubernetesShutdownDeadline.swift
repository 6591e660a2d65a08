import Foundation
import Yams

/// How long a Kubernetes workload's container has between SIGTERM and SIGKILL, read from its
/// manifest (`chaos checklist --kubernetes-manifest FILE`).
///
/// The kubelet runs the preStop hook first and sends SIGTERM when it returns; SIGKILL comes
/// `terminationGracePeriodSeconds` after the hook *started*. So the bot's drain has the grace
/// period less the hook's sleep, and `SHUTDOWN_GRACE` must fit in that.
public struct KubernetesShutdownDeadline: Sendable, Equatable {
    /// The manifest's path, as given.
    public var file: String
    /// `Deployment metro-bot`: the workload the values come from (the first in the file).
    public var workload: String
    /// `terminationGracePeriodSeconds`; Kubernetes' default, 30, when the field is absent.
    public var gracePeriodSeconds: Int
    /// Whether `gracePeriodSeconds` was written in the manifest (false: the default).
    public var gracePeriodIsExplicit: Bool
    /// The longest preStop sleep of the pod's containers (`exec: sleep N`, `sh -c "sleep N"` or
    /// `sleep: {seconds: N}`); 0 without a preStop hook.
    public var preStopSeconds: Int

    /// What is left for SIGTERM's drain: the grace period less the preStop sleep.
    public var drainBudget: Duration { .seconds(gracePeriodSeconds - preStopSeconds) }

    /// A manifest that cannot be read for its grace period: one line naming the file, the field
    /// and the fix.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        /// The line.
        public var description: String
    }

    /// The workload kinds whose pod template carries the grace period.
    static let workloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"]

    /// Reads the first workload of the manifest at `path` (several YAML documents allowed, as
    /// `kubectl kustomize` prints them).
    /// - Throws: ``Problem`` when the file cannot be read, is not YAML, holds no workload, or
    ///   `terminationGracePeriodSeconds` or a preStop sleep is not whole seconds.
    public static func read(_ path: String) throws(Problem) -> KubernetesShutdownDeadline {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(description: "--kubernetes-manifest \(path): cannot be read (\((error as NSError).localizedDescription)); give the Deployment's YAML file")
        }
        return try parse(text, file: path)
    }

    /// Reads the first workload of the manifest `text`; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(Problem) -> KubernetesShutdownDeadline {
        var documents: [Any] = []
        do {
            var sequence = try Yams.load_all(yaml: text)
            while let document = sequence.next() { documents.append(document) }
            // The sequence ends at the first document that does not parse, keeping the error.
            if let error = sequence.error { throw error }
        } catch {
            let reason = String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw Problem(description: "--kubernetes-manifest \(file): not YAML (\(reason))")
        }
        guard let workload = documents.compactMap({ $0 as? [String: Any] }).first(where: { workloadKinds.contains($0["kind"] as? String ?? "") }) else {
            throw Problem(description: "--kubernetes-manifest \(file): no workload (kind: \(workloadKinds.joined(separator: ", "))) in it; "
                              + "give the file with the Deployment, or the output of `kubectl kustomize`")
        }
        let kind = workload["kind"] as? String ?? "?"
        let name = (workload["metadata"] as? [String: Any])?["name"] as? String ?? "(unnamed)"
        let described = "\(kind) \(name)"
        let specPath = kind == "Pod" ? "spec" : "spec.template.spec"
        let spec = kind == "Pod" ? workload["spec"] as? [String: Any]
            : ((workload["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        guard let spec else {
            throw Problem(description: "--kubernetes-manifest \(file): \(described) has no \(specPath); it is not a complete workload")
        }
        var grace = 30, explicit = false
        if let value = spec["terminationGracePeriodSeconds"] {
            guard let seconds = value as? Int, seconds >= 0 else {
                throw Problem(description: "--kubernetes-manifest \(file): \(specPath).terminationGracePeriodSeconds of \(described) is \"\(value)\"; "
                                  + "expected whole seconds, for example 40")
            }
            grace = seconds
            explicit = true
        }
        var preStop = 0
        for (index, container) in ((spec["containers"] as? [Any]) ?? []).enumerated() {
            guard let hook = (((container as? [String: Any])?["lifecycle"] as? [String: Any])?["preStop"]) as? [String: Any] else { continue }
            let field = "\(specPath).containers[\(index)].lifecycle.preStop"
            if let sleep = hook["sleep"] as? [String: Any] {
                guard let seconds = sleep["seconds"] as? Int, seconds >= 0 else {
                    throw Problem(description: "--kubernetes-manifest \(file): \(field).sleep.seconds of \(described) is \"\(sleep["seconds"] ?? "missing")\"; expected whole seconds")
                }
                preStop = max(preStop, seconds)
            } else if let command = (hook["exec"] as? [String: Any])?["command"] as? [Any] {
                let words = command.map { "\($0)" }.joined(separator: " ")
                if let match = words.firstMatch(of: /(?:^|[\s;&|])sleep\s+([^\s;&|]+)/) {
                    guard let seconds = Int(match.1), seconds >= 0 else {
                        throw Problem(description: "--kubernetes-manifest \(file): \(field).exec.command of \(described) sleeps \"\(match.1)\"; expected whole seconds")
                    }
                    preStop = max(preStop, seconds)
                }
            }
        }
        return KubernetesShutdownDeadline(file: file, workload: described, gracePeriodSeconds: grace, gracePeriodIsExplicit: explicit, preStopSeconds: preStop)
    }
}
