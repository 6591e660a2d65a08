import AsyncHTTPClient
import Bot
import Foundation
import Logging

/// The online half of `chaos checklist --online`: the deployment's configuration tried against
/// the services it names, with the bot's own clients (`TelegramClient`, `AccessTokenProvider`).
///
/// Telegram: `getMe` at `TELEGRAM_API_BASE_URL` (the token is accepted) and, when a webhook URL
/// is configured, `getWebhookInfo` (the webhook's current state). Google: the service-account key
/// exchanged for an access token at its `token_uri` (one attempt, no retries), then
/// `spreadsheets.get` at `SHEETS_API_BASE_URL` (the spreadsheet exists, the account may read it,
/// and it has the `SHEET_NAME` tab). Nothing is written. Every call has the configuration's
/// `HTTP_TIMEOUT` as its deadline. The bot token, the private key and the access token never
/// appear in an item.
public enum DeploymentOnlineChecks {
    /// How old a webhook delivery error may be and still fail the webhook item: 1 hour.
    public static let recentDeliveryError: TimeInterval = 3600

    /// Runs the checks in order; a check that needs an earlier one's result (the spreadsheet
    /// needs the access token) fails saying so when that one failed.
    /// - Parameters:
    ///   - configuration: the deployment's configuration, as ``DeploymentChecks/check(_:)`` parsed it.
    ///   - http: the client the calls go through. Defaults to AsyncHTTPClient's shared client.
    ///   - now: the wall clock, for the age of a webhook delivery error. Defaults to `Date()`.
    public static func check(_ configuration: BotConfiguration, http: HTTPClient = .shared, now: Date = Date()) async -> [ChecklistItem] {
        let timeout = configuration.timing.httpTimeout
        let quiet = Logger(label: "chaos-checklist", factory: { _ in SwiftLogNoOpLogHandler() })
        var items: [ChecklistItem] = []

        let api = configuration.telegram.apiBaseURL.absoluteString
        let telegram = TelegramClient(token: configuration.telegram.token, baseURL: api, httpClient: http, timeout: timeout, logger: quiet)
        do {
            let me = try await telegram.getMe()
            items.append(ChecklistItem(claim: "Telegram accepts the bot token", proof: "getMe at \(api)", passed: true,
                                       detail: "@\(me.username ?? "?") (\(me.firstName), id \(me.id))"))
        } catch {
            items.append(ChecklistItem(claim: "Telegram accepts the bot token", proof: "getMe at \(api)", passed: false,
                                       detail: "\(error); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL"))
        }
        if let expected = DeploymentChecks.webhookURL(configuration) {
            items.append(await webhookItem(telegram, api: api, expected: expected, now: now))
        }

        let key = configuration.sheets.credentials
        let tokenClaim = "Google issues an access token for the service account"
        let tokenProof = "JWT-bearer token exchange at \(key.tokenURI)"
        var accessToken: String?
        do {
            let provider = try AccessTokenProvider(key: key, httpClient: http, timeout: timeout, maxAttempts: 1, logger: quiet)
            accessToken = try await provider.accessToken()
            items.append(ChecklistItem(claim: tokenClaim, proof: tokenProof, passed: true, detail: "for \(key.clientEmail)"))
        } catch {
            items.append(ChecklistItem(claim: tokenClaim, proof: tokenProof, passed: false,
                                       detail: "\(error) (GOOGLE_APPLICATION_CREDENTIALS: \(configuration.sheets.credentialsFile.path))"))
        }
        items.append(await spreadsheetItem(configuration, accessToken: accessToken, http: http, timeout: timeout))
        return items
    }

    /// `getWebhookInfo`: fails when the call fails, or when Telegram reports a recent delivery
    /// error for this very URL (deliveries to this deployment are failing now).
    static func webhookItem(_ telegram: TelegramClient, api: String, expected: String, now: Date) async -> ChecklistItem {
        let claim = "Telegram's webhook state is readable and shows no recent delivery error for this URL"
        let proof = "getWebhookInfo at \(api)"
        let info: WebhookInfo
        do {
            info = try await telegram.getWebhookInfo()
        } catch {
            return ChecklistItem(claim: claim, proof: proof, passed: false, detail: "\(error); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL")
        }
        var detail: String
        if info.url.isEmpty {
            detail = "no webhook set; the bot sets \(expected) when it starts"
        } else if info.url == expected {
            detail = "set to \(expected)"
        } else {
            detail = "set to \(info.url); this deployment replaces it with \(expected) when it starts"
        }
        detail += ", \(info.pendingUpdateCount) pending update(s)"
        var recentError = false
        if let message = info.lastErrorMessage {
            let age = info.lastErrorDate.map { now.timeIntervalSince1970 - Double($0) }
            recentError = info.url == expected && (age.map { $0 < recentDeliveryError } ?? true)
            detail += ", last delivery error" + (age.map { " \(Int($0.rounded()))s ago" } ?? "") + ": \(message)"
            if recentError { detail += "; Telegram cannot deliver to this URL: check that it is reachable over HTTPS and routes to the bot" }
        }
        return ChecklistItem(claim: claim, proof: proof, passed: !recentError, detail: detail)
    }

    /// `spreadsheets.get`: the spreadsheet exists, the account may read it, and it has the sheet.
    static func spreadsheetItem(_ configuration: BotConfiguration, accessToken: String?, http: HTTPClient, timeout: Duration) async -> ChecklistItem {
        let sheets = configuration.sheets
        let base = sheets.apiBaseURL.absoluteString
        let claim = "the spreadsheet exists, the service account can read it, and it has the sheet \(sheets.sheetName)"
        let proof = "spreadsheets.get at \(base)"
        guard let accessToken else {
            return ChecklistItem(claim: claim, proof: proof, passed: false, detail: "not checked: no access token (see the token item)")
        }
        let client = ControlClient(http: http, baseURL: base, timeout: timeout)
        let answer: ControlClient.Answer
        do {
            answer = try await client.send("GET", "/v4/spreadsheets/\(sheets.spreadsheetID)?fields=spreadsheetId,sheets.properties.title",
                                           headers: [("Authorization", "Bearer \(accessToken)")])
        } catch {
            return ChecklistItem(claim: claim, proof: proof, passed: false, detail: "\(error); check SHEETS_API_BASE_URL")
        }
        let googleMessage = ((answer.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? String(answer.text.prefix(200))
        let account = sheets.credentials.clientEmail
        switch answer.status {
        case 200:
            let list = (answer.json as? [String: Any])?["sheets"] as? [[String: Any]] ?? []
            let titles = list.compactMap { ($0["properties"] as? [String: Any])?["title"] as? String }
            if titles.contains(sheets.sheetName) {
                return ChecklistItem(claim: claim, proof: proof, passed: true,
                                     detail: "spreadsheet \(sheets.spreadsheetID), sheets: \(titles.joined(separator: ", "))")
            }
            return ChecklistItem(claim: claim, proof: proof, passed: false,
                                 detail: "spreadsheet \(sheets.spreadsheetID) has no sheet named \"\(sheets.sheetName)\" (it has: \(titles.joined(separator: ", "))); add the tab or set SHEET_NAME")
        case 404:
            return ChecklistItem(claim: claim, proof: proof, passed: false,
                                 detail: "spreadsheet \(sheets.spreadsheetID) not found (404: \(googleMessage)); check SPREADSHEET_ID (the ID in the sheet's URL)")
        case 403:
            return ChecklistItem(claim: claim, proof: proof, passed: false,
                                 detail: "\(account) may not open spreadsheet \(sheets.spreadsheetID) (403: \(googleMessage)); share the spreadsheet with that address as Editor")
        default:
            return ChecklistItem(claim: claim, proof: proof, passed: false, detail: "HTTP \(answer.status): \(googleMessage)")
        }
    }
}
