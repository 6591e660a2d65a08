/// The exit codes of every `chaos` command.
public enum ChaosExitCode: Int32, Sendable {
    /// Everything passed (or was valid).
    case passed = 0
    /// Some scenario or check failed.
    case failed = 1
    /// The input was invalid: a scenario file, a flag, a path, a missing bot binary.
    case invalidInput = 2
}
