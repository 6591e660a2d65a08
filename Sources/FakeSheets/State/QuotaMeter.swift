import Foundation
import MetroSupport

/// Counts requests in a sliding one-minute window per project and per user and answers Google's
/// 429 when a `Quotas` limit would be exceeded. Rejected requests are not counted.
struct QuotaMeter: Sendable {
    let quotas: FakeSheets.Quotas
    private var windows: [String: [Date]] = [:]

    init(quotas: FakeSheets.Quotas) { self.quotas = quotas }

    mutating func admit(account: ServiceAccount, isWrite: Bool, now: Date = Date()) throws(GoogleError) {
        let kind = isWrite ? "Write" : "Read"
        let checks: [(key: String, limit: Int, limitName: String, quotaLimit: String)] = [
            ("project:\(account.projectNumber):\(kind)",
             isWrite ? quotas.writeRequestsPerMinutePerProject : quotas.readRequestsPerMinutePerProject,
             "\(kind) requests per minute", "\(kind)RequestsPerMinutePerProject"),
            ("user:\(account.clientEmail):\(kind)",
             isWrite ? quotas.writeRequestsPerMinutePerUser : quotas.readRequestsPerMinutePerUser,
             "\(kind) requests per minute per user", "\(kind)RequestsPerMinutePerUser"),
        ]
        let cutoff = now.addingTimeInterval(-60)
        for check in checks {
            var window = windows[check.key, default: []]
            if let firstKept = window.firstIndex(where: { $0 > cutoff }) {
                if firstKept > 0 { window.removeFirst(firstKept) }
            } else {
                window.removeAll()
            }
            windows[check.key] = window
            if window.count >= check.limit {
                throw QuotaMeter.exceeded(kind: kind, limitName: check.limitName, quotaLimit: check.quotaLimit,
                                          limit: check.limit, projectNumber: account.projectNumber)
            }
        }
        for check in checks { windows[check.key, default: []].append(now) }
    }

    /// Google's 429 for a per-minute Sheets quota.
    static func exceeded(kind: String, limitName: String, quotaLimit: String, limit: Int, projectNumber: String) -> GoogleError {
        GoogleError(
            code: 429,
            message: "Quota exceeded for quota metric '\(kind) requests' and limit '\(limitName)' of service 'sheets.googleapis.com' for consumer 'project_number:\(projectNumber)'.",
            status: "RESOURCE_EXHAUSTED",
            details: [
                GoogleError.errorInfo(reason: "RATE_LIMIT_EXCEEDED", metadata: [
                    "service": "sheets.googleapis.com",
                    "consumer": "projects/\(projectNumber)",
                    "quota_metric": "sheets.googleapis.com/\(kind.lowercased())_requests",
                    "quota_limit": quotaLimit,
                    "quota_limit_value": String(limit),
                    "quota_location": "global",
                ]),
                .object([
                    "@type": .string("type.googleapis.com/google.rpc.Help"),
                    "links": .array([.object([
                        "description": .string("Request a higher quota limit."),
                        "url": .string("https://cloud.google.com/docs/quotas/help/request_increase"),
                    ])]),
                ]),
            ]
        )
    }

    /// The message a fault rule's bare 429 carries: the per-user write quota.
    static func defaultExceeded(projectNumber: String) -> GoogleError {
        exceeded(kind: "Write", limitName: "Write requests per minute per user", quotaLimit: "WriteRequestsPerMinutePerUser",
                 limit: 60, projectNumber: projectNumber)
    }
}
