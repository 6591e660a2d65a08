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
        migrator.registerMigration("v4: dead letters, expired pending actions, unreadable dates removed") { db in
            // An update that can never be processed, kept with its raw JSON and why (`DeadLetter`).
            try db.create(table: "dead_letters") { t in
                t.primaryKey("update_id", .integer)
                t.column("raw_update", .text).notNull()
                t.column("reason_code", .text).notNull().check { length($0) > 0 }
                t.column("reason", .text).notNull()
                t.column("first_seen", .datetime).notNull().check(sql: "julianday(first_seen) IS NOT NULL")
                t.column("last_seen", .datetime).notNull().indexed().check(sql: "julianday(last_seen) IS NOT NULL")
                t.column("attempts", .integer).notNull().check { $0 >= 1 }
                t.check(sql: "last_seen >= first_seen")
            }
            // The tombstone of a pending action the cleanup job removed, so that a location that
            // arrives after it still hears "your check-in request expired" (docs/Bot.md).
            try db.create(table: "expired_pending_actions") { t in
                t.primaryKey("user_id", .integer)
                t.column("action", .text).notNull().check { ["check_in", "check_out"].contains($0) }
                t.column("expired_at", .datetime).notNull().indexed().check(sql: "julianday(expired_at) IS NOT NULL")
            }
            // Before dates were checked on the way in, a message dated at or after year 10000 was
            // stored as text SQLite and GRDB cannot read back, and every later update of that user
            // failed. Such rows carry no usable information: they go.
            try db.execute(sql: "DELETE FROM last_actions WHERE julianday(recorded_at) IS NULL")
            try db.execute(sql: "DELETE FROM pending_actions WHERE julianday(created_at) IS NULL OR julianday(expires_at) IS NULL")
        }
        migrator.registerMigration("v5: event journal and received updates") { db in
            // What happened and when (docs/Incidents.md): kept UPDATE_RETENTION and at most
            // `EventJournal.maximumRows` rows, pruned by the cleanup job.
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull().indexed().check(sql: "julianday(at) IS NOT NULL")
                t.column("kind", .text).notNull().check { length($0) > 0 }
                t.column("severity", .text).notNull().check { ["info", "warning", "error"].contains($0) }
                t.column("update_id", .integer)
                t.column("fields", .jsonText).notNull().check(sql: "json_valid(fields) AND json_type(fields) = 'object'")
            }
            // Each update as it arrived, for incident bundles.
            try db.create(table: "received_updates") { t in
                t.primaryKey("update_id", .integer)
                t.column("received_at", .datetime).notNull().indexed().check(sql: "julianday(received_at) IS NOT NULL")
                t.column("source", .text).notNull().check { ["webhook", "polling"].contains($0) }
                t.column("raw", .text).notNull()
            }
        }
        migrator.registerMigration("v6: arrivals in processed_updates") { db in
            // An update's arrival in the row that marks it processed: no second table and index
            // written per update (docs/BENCHMARKS.md, "The event journal's cost").
            // `received_updates` keeps the arrivals of updates that were not processed (the
            // store was unreachable, the update was dead-lettered).
            try db.alter(table: "processed_updates") { t in
                t.add(column: "received_at", .datetime).check(sql: "received_at IS NULL OR julianday(received_at) IS NOT NULL")
                t.add(column: "source", .text).check(sql: "source IS NULL OR source IN ('webhook', 'polling')")
                t.add(column: "raw", .text)
            }
        }
        return migrator
    }
}
