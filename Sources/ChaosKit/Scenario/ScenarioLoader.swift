import Foundation

/// Finds scenario files under the paths given on the command line and parses them all,
/// collecting every file's diagnostics before failing.
public enum ScenarioLoader {
    /// The directory `chaos` reads when no path is given.
    public static let defaultDirectory = "Scenarios"

    /// The `.yaml`/`.yml` files at `paths` (files as given, directories searched recursively),
    /// sorted by path.
    /// - Throws: ``ScenarioValidationError`` naming a path that does not exist.
    public static func files(at paths: [String]) throws(ScenarioValidationError) -> [String] {
        let paths = paths.isEmpty ? [defaultDirectory] : paths
        var files: [String] = []
        var missing: [ScenarioDiagnostic] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(ScenarioDiagnostic(location: SourceLocation(file: path, line: 1, column: 1),
                                                  message: "no such file or directory; give a scenario file or a directory of them (default: \(defaultDirectory)/)"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (manager.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .map { (path as NSString).appendingPathComponent($0) }
            if found.isEmpty {
                missing.append(ScenarioDiagnostic(location: SourceLocation(file: path, line: 1, column: 1), message: "the directory holds no .yaml scenario files"))
            }
            files += found.sorted()
        }
        if !missing.isEmpty { throw ScenarioValidationError(diagnostics: missing) }
        return files
    }

    /// Parses every scenario file at `paths`.
    /// - Throws: ``ScenarioValidationError`` with the diagnostics of every invalid file, and
    ///   one for each scenario name used twice.
    public static func load(_ paths: [String]) throws(ScenarioValidationError) -> [Scenario] {
        let files = try files(at: paths)
        var scenarios: [Scenario] = []
        var diagnostics: [ScenarioDiagnostic] = []
        var names: [String: SourceLocation] = [:]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                diagnostics.append(ScenarioDiagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "cannot read the file; check its permissions"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                diagnostics.append(ScenarioDiagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "the file is not UTF-8 text"))
                continue
            }
            do {
                let scenario = try ScenarioParser.parse(text, file: file)
                if let first = names[scenario.name] {
                    diagnostics.append(ScenarioDiagnostic(location: scenario.location, message: "scenario name '\(scenario.name)' is already used at \(first); names must be unique"))
                    continue
                }
                names[scenario.name] = scenario.location
                scenarios.append(scenario)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw ScenarioValidationError(diagnostics: diagnostics) }
        return scenarios
    }
}
