import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Appends attendance rows to a Google Sheet and reads back its row keys, over the Sheets API v4
/// (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values).
///
/// Exactly once: `appendRows` never repeats a request that may have written. After a timeout, a
/// connection lost once the request was sent, a 5xx other than 503, or an unreadable success
/// answer it throws a `SheetsError` whose `mayHaveBeenApplied` is true, and the caller checks
/// `existingRowKeys(among:)` before appending again. It retries internally only answers that
/// guarantee nothing was written: 429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE (with `Backoff`,
/// honouring `Retry-After`), a connection that was never made, and one 401 after refreshing the
/// access token. Reads are retried on every retryable failure.
public struct SheetsClient: SheetRowAppending {
    private let spreadsheetID: String
    private let sheetName: String
    private let baseURL: String
    private let tokens: AccessTokenProvider
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let keyColumn: String
    private let retryBackoff: Backoff
    private let maxAttempts: Int
    private let maxResponseBytes: Int
    private let logger: Logger
    private let metrics: BotMetrics

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - spreadsheetID: `SPREADSHEET_ID`.
    ///   - sheetName: `SHEET_NAME` (e.g. `Attendance`); any characters, quoted in ranges.
    ///   - baseURL: `SHEETS_API_BASE_URL`, e.g. `https://sheets.googleapis.com` or a fake's base URL.
    ///   - tokens: the access-token source, shared with other clients of the same account.
    ///   - httpClient: the shared client.
    ///   - timeout: the deadline of each request (`HTTP_TIMEOUT`).
    ///   - keyColumn: the column holding each row's key (the `update_id`). Defaults to `J`.
    ///   - retryBackoff: delays between internal retries. Defaults to 0.5 s doubling up to 8 s.
    ///   - maxAttempts: attempts per call for the retries described above (at least 1). Defaults to 3.
    ///   - maxResponseBytes: the largest answer accepted (the key column of a large sheet). Defaults to 32 MiB.
    ///   - logger: one debug line per request.
    ///   - metrics: records each request's duration and error code. Defaults to a registry of its own.
    public init(
        spreadsheetID: String,
        sheetName: String,
        baseURL: String,
        tokens: AccessTokenProvider,
        httpClient: HTTPClient,
        timeout: Duration,
        keyColumn: String = "J",
        retryBackoff: Backoff = Backoff(base: .milliseconds(500), maximum: .seconds(8)),
        maxAttempts: Int = 3,
        maxResponseBytes: Int = 32 << 20,
        logger: Logger,
        metrics: BotMetrics = BotMetrics()
    ) {
        self.spreadsheetID = spreadsheetID
        self.sheetName = sheetName
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.tokens = tokens
        self.httpClient = httpClient
        self.timeout = timeout
        self.keyColumn = keyColumn
        self.retryBackoff = retryBackoff
        self.maxAttempts = max(maxAttempts, 1)
        self.maxResponseBytes = maxResponseBytes
        self.logger = logger
        self.metrics = metrics
    }

    /// Appends `rows` after the last row of the sheet (`values.append` with `RAW` input and
    /// `INSERT_ROWS`), in order, in one request. Returns once Sheets confirmed it.
    ///
    /// The range is `A1`, not `A:J`: for a range of several columns Google appends after the table
    /// that holds the range's last filled cell, and a column left empty in every row (no user with a
    /// username yet) splits the rows into two tables, so the next row would land shifted to the
    /// right (`D2:M2`). For one cell Google uses the table that holds that cell, and column A (the
    /// timestamp) is never empty (docs/FakeSheets.md, "Table detection").
    ///
    /// - Throws: `SheetsError`; when its `mayHaveBeenApplied` is true the rows may be in the
    ///   sheet. `CancellationError` when the calling task is cancelled (outcome unknown, as for a timeout).
    public func appendRows(_ rows: [[String]]) async throws {
        guard !rows.isEmpty else { return }
        let range = SheetRange(sheetName: sheetName, columns: "A1")
        let url = "\(valuesURL(range)):append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&includeValuesInResponse=false"
        struct ValueRange: Encodable {
            var range: String
            var majorDimension = "ROWS"
            var values: [[String]]
        }
        let body = try JSONEncoder().encode(ValueRange(range: range.a1, values: rows))
        let response = try await send(operation: .append, method: .POST, url: url, body: body)

        struct AppendAnswer: Decodable {
            struct Updates: Decodable {
                var updatedRange: String?
                var updatedRows: Int?
            }
            var updates: Updates?
        }
        let answer: AppendAnswer
        do {
            answer = try JSONDecoder().decode(AppendAnswer.self, from: Data(response.body.readableBytesView))
        } catch {
            throw SheetsError.malformedResponse(operation: .append, description: "the append answer is not JSON: \(response.bodySnippet())")
        }
        if let updatedRows = answer.updates?.updatedRows, updatedRows != rows.count {
            throw SheetsError.malformedResponse(operation: .append, description: "Sheets reports \(updatedRows) rows appended, \(rows.count) were sent")
        }
        logger.debug("rows appended", metadata: [
            "rows": "\(rows.count)", "sheets.range": "\(answer.updates?.updatedRange ?? "?")",
        ])
    }

    /// The keys among `candidates` that already are in the key column (`values.get` of the
    /// whole column; cells that are not integers, such as the header, are ignored).
    ///
    /// - Throws: `SheetsError` (never `mayHaveBeenApplied`), or `CancellationError`.
    public func existingRowKeys(among candidates: Set<Int64>) async throws -> Set<Int64> {
        guard !candidates.isEmpty else { return [] }
        let range = SheetRange(sheetName: sheetName, columns: "\(keyColumn):\(keyColumn)")
        let url = "\(valuesURL(range))?majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE"
        let response = try await send(operation: .read, method: .GET, url: url, body: nil)
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] else {
            throw SheetsError.malformedResponse(operation: .read, description: "the values answer is not a JSON object: \(response.bodySnippet())")
        }
        guard let values = object["values"] else { return [] }  // an empty range has no `values`
        guard let rows = values as? [[Any]] else {
            throw SheetsError.malformedResponse(operation: .read, description: "`values` is not an array of rows")
        }
        var found = Set<Int64>()
        for row in rows {
            guard let cell = row.first, let key = Self.rowKey(cell), candidates.contains(key) else { continue }
            found.insert(key)
        }
        return found
    }

    /// An integer key from a cell, whether Sheets returns it as a string or a number.
    static func rowKey(_ cell: Any) -> Int64? {
        if let string = cell as? String {
            return Int64(string.trimmingCharacters(in: .whitespaces))
        }
        if let number = cell as? NSNumber {
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            return number.int64Value
        }
        return nil
    }

    private func valuesURL(_ range: SheetRange) -> String {
        "\(baseURL)/v4/spreadsheets/\(SheetRange.percentEncodedSegment(spreadsheetID))/values/\(range.pathSegment)"
    }

    /// Sends one API request, with the retries allowed for `operation`, and returns a 2xx answer.
    private func send(operation: SheetsOperation, method: HTTPMethod, url: String, body: Data?) async throws -> HTTPExchangeResponse {
        var attempt = 1
        var refreshedAfter401 = false
        while true {
            let token = try await tokens.accessToken()
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let started = ContinuousClock.now
            let failure: SheetsError
            var retryAfter: Duration?
            do {
                let response = try await HTTPExchange.perform(
                    request, on: httpClient, timeout: timeout, maxBodyBytes: maxResponseBytes, logger: logger
                )
                logger.debug("sheets request", metadata: [
                    "sheets.operation": "\(operation.rawValue)", "http.status": "\(response.status)",
                    "attempt": "\(attempt)", "duration_ms": "\(HTTPExchange.milliseconds(ContinuousClock.now - started))",
                ])
                if (200..<300).contains(response.status) {
                    metrics.sheetsRequest(operation: operation.rawValue, duration: ContinuousClock.now - started)
                    return response
                }
                if response.status == 401, !refreshedAfter401 {
                    // The token was refused (revoked, expired early): nothing was written.
                    refreshedAfter401 = true
                    metrics.sheetsRequest(operation: operation.rawValue, duration: ContinuousClock.now - started, errorCode: "401")
                    await tokens.invalidate(token)
                    logger.notice("access token refused; refreshing it and retrying once", metadata: ["sheets.operation": "\(operation.rawValue)"])
                    continue
                }
                failure = SheetsError.fromAPI(operation: operation, response: response)
                retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }.map { .seconds($0) }
            } catch let error as HTTPExchangeError {
                failure = SheetsError(error, operation: operation)
            }
            metrics.sheetsRequest(operation: operation.rawValue, duration: ContinuousClock.now - started,
                                  errorCode: failure.metricsCode, retryAfter: retryAfter, detail: failure.description)
            guard attempt < maxAttempts, mayRetry(failure, operation: operation) else {
                throw failure
            }
            let delay = retryAfter.map { min($0, retryBackoff.maximum) } ?? retryBackoff.delay(forAttempt: attempt)
            logger.warning("sheets request failed; retrying", metadata: [
                "sheets.operation": "\(operation.rawValue)", "error": "\(failure)",
                "attempt": "\(attempt)", "retry_in_ms": "\(HTTPExchange.milliseconds(delay))",
            ])
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    /// Whether `failure` may be retried inside this call: a read whenever it is retryable; an
    /// append only when nothing can have been written.
    private func mayRetry(_ failure: SheetsError, operation: SheetsOperation) -> Bool {
        guard failure.isRetryable else { return false }
        switch operation {
        case .read, .token:
            return true
        case .append:
            return !failure.mayHaveBeenApplied
        }
    }
}
