import Foundation

/// `chaos validate` and `chaos list`: load scenario files and describe them.
public enum ScenarioCatalog {
    /// Validates every scenario at `paths` and writes each problem as `file:line:column: error: …`
    /// to `errors`, or one line per valid file to `output`.
    /// - Returns: ``ChaosExitCode/passed`` when all are valid, else ``ChaosExitCode/invalidInput``.
    public static func validate(paths: [String], output: (String) -> Void, errors: (String) -> Void) -> ChaosExitCode {
        do {
            let scenarios = try ScenarioLoader.load(paths)
            for scenario in scenarios {
                output("ok \(scenario.file): \(scenario.name) (\(scenario.steps.count) steps, \(scenario.expectations.count + scenario.steadyState.count) checks)")
            }
            output("\(scenarios.count) scenario(s) valid")
            return .passed
        } catch {
            for diagnostic in error.diagnostics { errors(diagnostic.description) }
            let files = Set(error.diagnostics.map(\.location.file)).count
            errors("\(error.diagnostics.count) error(s) in \(files) file(s)")
            return .invalidInput
        }
    }

    /// Lists the scenarios at `paths` that `filter` keeps: name, tags and description.
    public static func list(paths: [String], filter: ScenarioFilter, output: (String) -> Void, errors: (String) -> Void) -> ChaosExitCode {
        do {
            let scenarios = try ScenarioLoader.load(paths).filter(filter.matches)
            let width = scenarios.map(\.name.count).max() ?? 0
            for scenario in scenarios {
                let tags = scenario.tags.isEmpty ? "" : " [\(scenario.tags.joined(separator: ", "))]"
                output(scenario.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + scenario.description + tags)
            }
            return .passed
        } catch {
            for diagnostic in error.diagnostics { errors(diagnostic.description) }
            return .invalidInput
        }
    }
}
