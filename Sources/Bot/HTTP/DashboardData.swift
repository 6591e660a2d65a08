import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /dashboard.json`: what the dashboard (`GET /`) draws. Without the admin token it holds
/// counts only; with `Authorization: Bearer ADMIN_TOKEN` it adds the day's check-ins with names
/// and the dead letters' raw updates. A wrong token is refused as on every admin route.
public struct DashboardData: Codable, Sendable, Equatable {
    /// Check-ins and check-outs at one site today.
    public struct SiteCount: Codable, Sendable, Equatable {
        public var site: String
        public var checkIns: Int
        public var checkOuts: Int
        enum CodingKeys: String, CodingKey { case site, checkIns = "check_ins", checkOuts = "check_outs" }
    }

    /// One of today's check-ins or check-outs (admin only).
    public struct Attendance: Codable, Sendable, Equatable {
        public var at: Date
        public var name: String
        public var action: String
        public var site: String
    }

    /// One event of the journal.
    public struct Event: Codable, Sendable, Equatable {
        public var at: Date
        public var kind: String
        public var severity: String
        public var summary: String
    }

    /// A point of a sparkline or of the mode timeline.
    public struct Point: Codable, Sendable, Equatable {
        public var at: Date
        public var value: Double
    }

    /// A mode and when it began.
    public struct ModeSpan: Codable, Sendable, Equatable {
        public var at: Date
        public var mode: String
    }

    /// A dead letter as the dashboard lists it.
    public struct Letter: Codable, Sendable, Equatable {
        public var updateID: Int64
        public var reason: String
        public var lastSeen: Date
        /// The raw update (admin only).
        public var update: String?
        enum CodingKeys: String, CodingKey { case updateID = "update_id", reason, lastSeen = "last_seen", update }
    }

    public var generatedAt: Date
    /// Whether personal data is included (the admin token was given).
    public var personal: Bool
    public var health: HealthReport
    public var today: [SiteCount]
    public var attendance: [Attendance]?
    public var events: [Event]
    public var modes: [ModeSpan]
    public var memory: [Point]
    public var deliveriesPerMinute: [Point]
    public var deadLetters: [Letter]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", personal, health, today, attendance, events, modes, memory
        case deliveriesPerMinute = "deliveries_per_minute", deadLetters = "dead_letters"
    }
}

/// Builds `DashboardData` from the store, the journal and the resource monitor.
public struct DashboardEndpoint: Sendable {
    let database: any BotStore
    let resources: ResourceMonitor
    let health: @Sendable () async -> HealthReport

    /// - Parameter health: builds a fresh `/health` report.
    public init(database: any BotStore, resources: ResourceMonitor, health: @escaping @Sendable () async -> HealthReport) {
        self.database = database
        self.resources = resources
        self.health = health
    }

    /// The data at `now`; `personal` adds names and raw updates.
    public func data(personal: Bool, now: Date = Date()) async throws -> DashboardData {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let startOfDay = calendar.startOfDay(for: now)
        let day = try await database.events(from: startOfDay).filter { $0.kind == .attendance }
        var bySite: [String: DashboardData.SiteCount] = [:]
        for event in day {
            let site = event.fields["site"] ?? "?"
            var count = bySite[site] ?? .init(site: site, checkIns: 0, checkOuts: 0)
            if event.fields["action"] == "check_out" { count.checkOuts += 1 } else { count.checkIns += 1 }
            bySite[site] = count
        }
        let dayAgo = now.addingTimeInterval(-86_400)
        let modes = try await database.events(from: dayAgo).filter { $0.kind == .modeChanged }
            .map { DashboardData.ModeSpan(at: $0.at, mode: $0.fields["mode"] ?? "?") }
        let events = try await database.recentEvents(limit: 20).map {
            DashboardData.Event(at: $0.at, kind: $0.kind.rawValue, severity: $0.severity.rawValue, summary: Self.summary($0))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let deliveries = try await database.arrivalsPerMinute(since: now.addingTimeInterval(-3_600)).compactMap { minute in
            formatter.date(from: minute.minute).map { DashboardData.Point(at: $0, value: Double(minute.count)) }
        }
        let letters = try await database.deadLetters(limit: 20).map {
            DashboardData.Letter(updateID: $0.updateID, reason: "\($0.reasonCode.rawValue): \($0.reason)", lastSeen: $0.lastSeen,
                                 update: personal ? $0.rawUpdate : nil)
        }
        return DashboardData(
            generatedAt: now, personal: personal, health: await health(),
            today: bySite.values.sorted { $0.site < $1.site },
            attendance: personal ? day.map {
                .init(at: $0.at, name: $0.fields["name"] ?? "", action: $0.fields["action"] ?? "", site: $0.fields["site"] ?? "")
            } : nil,
            events: events, modes: modes,
            memory: resources.history.map { .init(at: $0.takenAt, value: $0.memoryPercent) },
            deliveriesPerMinute: deliveries, deadLetters: letters)
    }

    /// One line for an event: its fields, `key=value`, without the user's name.
    static func summary(_ event: JournalEvent) -> String {
        event.fields.filter { $0.key != "name" && !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Answers `GET /dashboard.json`; `personal` when the admin token was given.
    public func respond(personal: Bool) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(try await data(personal: personal)))))
    }
}
