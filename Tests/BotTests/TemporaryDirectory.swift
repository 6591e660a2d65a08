import Foundation

/// Runs `body` with a fresh directory under the system's temporary directory and removes it
/// afterwards, on success and on failure.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bot-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

extension URL {
    /// Writes `text` to the file `name` inside this directory and returns the file's URL.
    func writing(_ text: String, to name: String) throws -> URL {
        let file = appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// Runs `body` and returns its outcome, so that clean-up can run before an error is rethrown.
func capture(_ body: () async throws -> Void) async -> Result<Void, any Error> {
    do {
        try await body()
        return .success(())
    } catch {
        return .failure(error)
    }
}
