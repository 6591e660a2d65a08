/// One line of `chaos checklist`: a claim about the deployment, the check that proves it, and
/// whether it held.
public struct ChecklistItem: Sendable, Equatable {
    /// What is claimed ("the webhook URL is HTTPS", "a check-in appends exactly one row").
    public var claim: String
    /// The check that proves it: a variable, a call (`getMe at https://api.telegram.org`) or the
    /// scenarios that ran, with their results.
    public var proof: String
    /// Whether it holds.
    public var passed: Bool
    /// Whether it holds only with a caveat the operator must read ("the store is on a disk that
    /// does not survive a deploy"). A warning does not fail the checklist; it is printed `[!]`.
    /// Only meaningful when `passed`. Defaults to false.
    public var warning: Bool
    /// What was found, or why it does not hold and how to fix it. Never a secret's value.
    public var detail: String

    /// Creates an item.
    public init(claim: String, proof: String, passed: Bool, warning: Bool = false, detail: String) {
        self.claim = claim
        self.proof = proof
        self.passed = passed
        self.warning = warning
        self.detail = detail
    }

    /// Whether it holds with a warning.
    public var isWarning: Bool { passed && warning }

    /// `[x] claim — proof: detail` (`[!]` when it holds with a warning, `[ ]` when it does not hold).
    public var line: String {
        "[\(passed ? (warning ? "!" : "x") : " ")] \(claim) — \(proof)" + (detail.isEmpty ? "" : ": \(detail)")
    }
}
