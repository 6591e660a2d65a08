// IdleFloorHummingbird — the resident memory of Hummingbird 2 alone, idle: a server with one route
// and nothing else. With IdleFloorStack, the floor under the bot's idle RSS (issue 5); measured by
// Scripts/bench/idle_floor.sh.
//
//   Benchmarks/.build/release/IdleFloorHummingbird PORT     # serves GET /health until killed

import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 18_998
let router = Router()
router.get("/health") { _, _ in "ok" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
