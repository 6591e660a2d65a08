import ArgumentParser
import ChaosKit
import MetroSupport

/// A duration on the command line, written as in scenario files (`250ms`, `90s`, `5m`, `2h`).
/// ArgumentParser refuses anything else with its usual message, which `chaos` exits 2 on.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let duration: Duration
    private let text: String

    init?(argument: String) {
        guard let duration = DurationText.parse(argument) else { return nil }
        self.duration = duration
        self.text = argument
    }

    var defaultValueDescription: String { text }
}
