import AsyncHTTPClient
import Foundation
import MetroSupport

/// `chaos probe URL`: polls a running bot's `/health`, prints mode and status changes, the memory
/// trend and errors, and fails when the bot stays unhealthy (or unreachable) longer than allowed.
public struct HealthProbe: Sendable {
    /// The command's options.
    public struct Options: Sendable {
        /// The bot's base URL (`https://name.onrender.com`) or its `/health` URL.
        public var url: String
        /// Time between polls. Defaults to 10 seconds.
        public var interval: Duration = .seconds(10)
        /// How long to watch. Defaults to 24 hours.
        public var duration: Duration = .seconds(86_400)
        /// How long it may stay unhealthy or unreachable before the probe fails. Defaults to 60 seconds.
        public var unhealthyFor: Duration = .seconds(60)

        /// Creates options with the defaults above.
        public init(url: String) {
            self.url = url
        }

        /// The `/health` URL for ``url``.
        public var healthURL: String {
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            return trimmed.hasSuffix("/health") ? trimmed : trimmed + "/health"
        }
    }

    /// One poll's reading.
    public struct Reading: Sendable, Equatable {
        /// `ok`, `degraded`, `unhealthy`, or `unreachable` when there was no answer.
        public var status: String
        /// `webhook`, `polling`, … or nil.
        public var mode: String?
        /// `memory.percent`, when reported.
        public var memoryPercent: Double?
        /// `telegram.last_error`, when reported and not null.
        public var lastError: String?

        /// Reads an answer: its HTTP status and body (nil when the request failed).
        public static func from(httpStatus: Int?, body: Data?) -> Reading {
            guard let httpStatus, let body, let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                return Reading(status: httpStatus == nil ? "unreachable" : "unhealthy", mode: nil, memoryPercent: nil,
                               lastError: httpStatus.map { "HTTP \($0) without a JSON body" })
            }
            let memory = json["memory"] as? [String: Any]
            let telegram = json["telegram"] as? [String: Any]
            var status = json["status"] as? String ?? "unhealthy"
            if httpStatus >= 500, status == "ok" { status = "unhealthy" }
            return Reading(status: status, mode: json["mode"] as? String, memoryPercent: (memory?["percent"] as? NSNumber)?.doubleValue,
                           lastError: telegram?["last_error"] as? String)
        }

        /// Whether this reading counts against the unhealthy allowance.
        public var isBad: Bool { status == "unhealthy" || status == "unreachable" }
    }

    let options: Options
    let http: HTTPClient

    /// Creates a probe.
    public init(options: Options, http: HTTPClient = .shared) {
        self.options = options
        self.http = http
    }

    /// Polls until `duration` ends or the bot has been bad for longer than allowed.
    /// - Returns: ``ChaosExitCode/passed`` or ``ChaosExitCode/failed``.
    public func run(output: @Sendable (String) -> Void) async -> ChaosExitCode {
        let end = ContinuousClock.now + options.duration
        var previous: Reading?
        var badSince: ContinuousClock.Instant?
        var memory: [Double] = []
        let client = ControlClient(http: http, baseURL: "", timeout: min(options.interval, .seconds(10)))
        output("probing \(options.healthURL) every \(DurationText.format(options.interval)) for \(DurationText.format(options.duration))")
        while ContinuousClock.now < end, !Task.isCancelled {
            let answer = try? await client.send("GET", options.healthURL)
            let reading = Reading.from(httpStatus: answer?.status, body: answer?.body)
            let stamp = ISO8601DateFormatter().string(from: Date())
            if reading.status != previous?.status || reading.mode != previous?.mode {
                output("\(stamp) status \(reading.status)\(reading.mode.map { ", mode \($0)" } ?? "")")
            }
            if let error = reading.lastError, error != previous?.lastError { output("\(stamp) error: \(error)") }
            if let percent = reading.memoryPercent {
                memory.append(percent)
                if memory.count % 30 == 0 { output("\(stamp) memory \(Self.trend(memory.suffix(30)))") }
            }
            if reading.isBad {
                let since = badSince ?? .now
                badSince = since
                if ContinuousClock.now - since > options.unhealthyFor {
                    output("\(stamp) \(reading.status) for more than \(DurationText.format(options.unhealthyFor)); failing")
                    return .failed
                }
            } else {
                badSince = nil
            }
            previous = reading
            try? await Task.sleep(for: options.interval)
        }
        if !memory.isEmpty { output("memory over the run: \(Self.trend(memory[...]))") }
        return .passed
    }

    /// `41.0% → 43.5% (min 40.2%, max 47.9%)`.
    static func trend(_ values: ArraySlice<Double>) -> String {
        guard let first = values.first, let last = values.last, let low = values.min(), let high = values.max() else { return "no data" }
        return String(format: "%.1f%% → %.1f%% (min %.1f%%, max %.1f%%)", first, last, low, high)
    }
}
