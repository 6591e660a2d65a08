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
    /// What was found, or why it does not hold and how to fix it. Never a secret's value.
    public var detail: String

    /// Creates an item.
    public init(claim: String, proof: String, passed: Bool, detail: String) {
        self.claim = claim
        self.proof = proof
        self.passed = passed
        self.detail = detail
    }

    /// `[x] claim — proof: detail` (`[ ]` when it does not hold).
    public var line: String {
        "[\(passed ? "x" : " ")] \(claim) — \(proof)" + (detail.isEmpty ? "" : ": \(detail)")
    }
}
