/// A configuration variable with a bad or missing value.
///
/// Its `description` is the single line `metro-bot` prints before exiting with code 78: the
/// variable, what is wrong with its value and how to fix it. The values of secret variables are
/// never part of it.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable, for example `PORT`.
    public var variable: String
    /// What is wrong, for example `"70000" is not between 0 and 65535`.
    public var problem: String
    /// How to fix it, for example `set PORT to a TCP port number`.
    public var fix: String

    /// Creates an error for `variable`.
    public init(variable: String, problem: String, fix: String) {
        self.variable = variable
        self.problem = problem
        self.fix = fix
    }

    /// One line: `configuration error: VARIABLE <problem>; <fix>`.
    public var description: String {
        "configuration error: \(variable) \(problem); \(fix)"
    }
}
