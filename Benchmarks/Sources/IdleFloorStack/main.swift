// IdleFloorStack — the resident memory of the bot's runtime dependencies doing what any bot does
// at idle, with none of the bot's code: a Hummingbird 2 server listening, an AsyncHTTPClient
// client, and a GRDB `DatabasePool` (WAL) open on a file with one table. With
// IdleFloorHummingbird, the floor under the bot's idle RSS (issue 5); measured by
// Scripts/bench/idle_floor.sh.
//
//   Benchmarks/.build/release/IdleFloorStack PORT     # serves GET /health until killed

import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 18_999
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idle-floor-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let pool = try DatabasePool(path: directory.appendingPathComponent("floor.sqlite").path)
try await pool.write { db in
    try db.execute(sql: "CREATE TABLE IF NOT EXISTS pending (user_id INTEGER PRIMARY KEY, action TEXT NOT NULL)")
}
let client = HTTPClient(eventLoopGroupProvider: .singleton)
let router = Router()
router.get("/health") { _, _ in
    try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pending") ?? 0 } == 0 ? "ok" : "busy"
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
try await client.shutdown()
