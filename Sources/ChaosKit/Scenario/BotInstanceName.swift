import Foundation

/// The names of the bot instances a scenario starts. A step or expectation without `instance`
/// targets ``default``, so a scenario that never names one runs a single bot exactly as before.
public enum BotInstanceName {
    /// The instance a step without `instance` targets.
    public static let `default` = "default"
    /// The longest name: names become directory names and appear in every journal line.
    public static let maximumLength = 20

    /// Why `name` is not a valid instance name, or nil when it is.
    public static func problem(_ name: String) -> String? {
        if name.count > maximumLength {
            return "expected an instance name of at most \(maximumLength) characters, found '\(name)' (\(name.count))"
        }
        if name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) == nil {
            return "expected an instance name of a lowercase letter then lowercase letters, digits and dashes (like 'a' or 'blue-2'), found '\(name)'"
        }
        return nil
    }
}

/// Which store the bot instances of a scenario use.
public enum BotStore: String, Sendable, CaseIterable {
    /// `DATABASE_PATH`: one SQLite file per instance, the bot's embedded default.
    case sqlite
    /// `DATABASE_URL`: one fresh PostgreSQL database per scenario, shared by all its instances.
    case postgres
}
