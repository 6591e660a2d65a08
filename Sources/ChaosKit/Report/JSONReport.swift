import Foundation

/// The `--json` journal: ``RunJournal`` as pretty-printed JSON with ISO 8601 dates.
public enum JSONReport {
    /// Encodes `journal`.
    public static func encode(_ journal: RunJournal) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(journal)
    }

    /// Decodes a journal written by ``encode(_:)``.
    public static func decode(_ data: Data) throws -> RunJournal {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunJournal.self, from: data)
    }
}
