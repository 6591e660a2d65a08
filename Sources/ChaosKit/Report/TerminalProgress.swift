import Foundation

/// Live progress of a run: one line per finished scenario; on a terminal also a spinner line
/// naming the running scenarios and their elapsed time. Colour only on a terminal and only when
/// `NO_COLOR` is unset or empty (https://no-color.org).
public actor TerminalProgress {
    /// How output looks.
    public struct Style: Sendable, Equatable {
        /// Redraw a spinner line in place (a terminal). Otherwise plain lines only.
        public var interactive: Bool
        /// Use ANSI colours.
        public var color: Bool

        /// Creates a style.
        public init(interactive: Bool, color: Bool) {
            self.interactive = interactive
            self.color = color
        }

        /// The style for standard output in `environment`: interactive when stdout is a TTY,
        /// coloured when interactive and `NO_COLOR` is unset or empty.
        public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
            let tty = isatty(STDOUT_FILENO) == 1
            let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
            return Style(interactive: tty, color: tty && !noColor)
        }
    }

    private let style: Style
    private let write: @Sendable (String) -> Void
    private var running: [String: ContinuousClock.Instant] = [:]
    private var frame = 0
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// Creates a progress printer.
    /// - Parameters:
    ///   - style: Defaults to ``Style/detect(environment:)``.
    ///   - write: Where text goes. Defaults to standard output.
    public init(style: Style = .detect(), write: @escaping @Sendable (String) -> Void = { text in
        FileHandle.standardOutput.write(Data(text.utf8))
    }) {
        self.style = style
        self.write = write
    }

    /// Records that `name` started.
    public func started(_ name: String) {
        running[name] = .now
        if style.interactive { redraw() }
    }

    /// Prints the finished scenario's line (with reason and seed when it failed).
    public func finished(_ scenario: ScenarioJournal) {
        running[scenario.name] = nil
        write((style.interactive ? "\r\u{1B}[2K" : "") + Self.line(for: scenario, color: style.color) + "\n")
        if style.interactive, !running.isEmpty { redraw() }
    }

    /// Redraws the spinner line; the runner calls it a few times a second on a terminal.
    public func tick() {
        guard style.interactive, !running.isEmpty else { return }
        frame += 1
        redraw()
    }

    private func redraw() {
        let now = ContinuousClock.now
        let names = running.sorted { $0.value < $1.value }.map { name, start in
            "\(name) \(String(format: "%.1fs", (now - start).seconds))"
        }
        write("\r\u{1B}[2K\(Self.frames[frame % Self.frames.count]) running \(names.joined(separator: ", "))")
    }

    /// The result line: `PASS name (3.2s)` or `FAIL name (3.2s): reason [seed N]`.
    public static func line(for scenario: ScenarioJournal, color: Bool) -> String {
        let time = String(format: "%.1fs", scenario.durationSeconds)
        switch scenario.outcome {
        case .passed:
            return (color ? "\u{1B}[32mPASS\u{1B}[0m" : "PASS") + " \(scenario.name) (\(time))"
        case .failed, .error:
            let label = scenario.outcome == .failed ? "FAIL" : "ERROR"
            let reason = scenario.failure?.split(separator: "\n").first.map(String.init) ?? "failed"
            let kept = scenario.keptDirectory.map { " (kept: \($0))" } ?? ""
            return (color ? "\u{1B}[31m\(label)\u{1B}[0m" : label) + " \(scenario.name) (\(time)): \(reason) [seed \(scenario.seed)]\(kept)"
        }
    }
}
