import GRDB

/// The store's schema, one migration per shipped change. Migrations are never edited once shipped
/// and the database is never erased on a schema change: add a new migration instead.
enum BotMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: pending actions, processed updates, outbox, outgoing messages, last actions") { db in
            try db.create(table: "pending_actions") { t in
                t.primaryKey("user_id", .integer)
                t.column("action", .text).notNull().check { ["check_in", "check_out"].contains($0) }
                t.column("created_at", .datetime).notNull()
                t.column("expires_at", .datetime).notNull().indexed()
                t.check(sql: "expires_at >= created_at")
            }
            try db.create(table: "processed_updates") { t in
                t.primaryKey("update_id", .integer)
                t.column("processed_at", .datetime).notNull().indexed()
            }
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("update_id", .integer).notNull().unique()
                t.column("cells", .jsonText).notNull().check(sql: "json_valid(cells) AND json_type(cells) = 'array'")
                t.column("enqueued_at", .datetime).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("last_error", .text)
            }
            try db.create(table: "outgoing_messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("chat_id", .integer).notNull()
                t.column("text", .text).notNull().check(sql: "length(text) BETWEEN 1 AND 4096")
                t.column("reply_markup", .jsonText).check(sql: "reply_markup IS NULL OR json_valid(reply_markup)")
                t.column("created_at", .datetime).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("last_error", .text)
            }
            try db.create(table: "last_actions") { t in
                t.primaryKey("user_id", .integer)
                t.column("action", .text).notNull().check { ["check_in", "check_out"].contains($0) }
                t.column("site", .text).notNull()
                t.column("distance_m", .double).notNull().check { $0 >= 0 }
                t.column("recorded_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2: callback answers") { db in
            try db.create(table: "callback_answers") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("callback_query_id", .text).notNull().unique()
                    .check(sql: "length(callback_query_id) BETWEEN 1 AND 256")
                t.column("text", .text).check(sql: "text IS NULL OR length(text) <= 200")
                t.column("created_at", .datetime).notNull().indexed()
                t.column("attempts", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("last_error", .text)
            }
        }
        migrator.registerMigration("v3: outbox last_attempt_at") { db in
            // When the last append of the row was started: a restarted worker waits for that
            // append to settle before checking the sheet (`OutboxWorker.settleDelay`). NULL for
            // rows never tried, and for rows tried before this migration.
            try db.alter(table: "outbox") { t in
                t.add(column: "last_attempt_at", .datetime)
            }
        }
        return migrator
    }
}
