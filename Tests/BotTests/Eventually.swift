import Foundation
import Testing

/// Waits until `condition` holds, checking every 10 ms; records an issue and returns false if it
/// never does within `limit` (a bound against hanging, not a timing assertion).
@discardableResult
func eventually(_ description: String, limit: Duration = .seconds(20),
                sourceLocation: SourceLocation = #_sourceLocation,
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("never happened: \(description)", sourceLocation: sourceLocation)
    return false
}
