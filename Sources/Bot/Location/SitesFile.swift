import Foundation
import MetroSupport

/// Reads and validates the sites JSON file (`SITES_FILE`):
/// `[{"name": "...", "latitude": .., "longitude": .., "radius_m": ..}]`.
public enum SitesFile {
    /// The example file shipped in the package (`Sources/Bot/Location/sites.example.json`), used
    /// when `SITES_FILE` is unset.
    public static var example: URL {
        Bundle.module.url(forResource: "sites.example", withExtension: "json")!
    }

    /// Why a sites file cannot be used; `description` says what and where.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, naming the index of the bad entry when there is one.
        public var description: String
    }

    /// Loads the sites in `url`.
    /// - Throws: `Problem` when the file is missing or unreadable, is not a JSON array of sites, is
    ///   empty, or an entry has an empty name, a latitude outside −90…90, a longitude outside
    ///   −180…180 or a radius that is not greater than zero.
    public static func load(contentsOf url: URL) throws(Problem) -> [Site] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw Problem(description: "cannot be read (\(url.path) does not exist or is not readable)")
        }
        return try parse(data)
    }

    /// Parses and validates the JSON of a sites file. See `load(contentsOf:)`.
    public static func parse(_ data: Data) throws(Problem) -> [Site] {
        if JSONNestingGuard.isTooDeep(data) {
            throw Problem(description: "is nested deeper than \(JSONNestingGuard.maximumDepth) levels")
        }
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch let DecodingError.typeMismatch(_, context) {
            throw Problem(description: describe(context, "has the wrong type"))
        } catch let DecodingError.valueNotFound(_, context) {
            throw Problem(description: describe(context, "is null"))
        } catch let DecodingError.keyNotFound(key, context) {
            throw Problem(description: describe(context, "has no \"\(key.stringValue)\""))
        } catch {
            throw Problem(description: "is not valid JSON (expected an array of sites)")
        }
        guard !entries.isEmpty else { throw Problem(description: "lists no sites (add at least one)") }
        var sites: [Site] = []
        for (index, entry) in entries.enumerated() {
            let name = entry.name
            guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem(description: "entry \(index) has an empty name")
            }
            guard entry.latitude.isFinite, (-90...90).contains(entry.latitude) else {
                throw Problem(description: "entry \(index) (\(name)) has latitude \(entry.latitude), not between -90 and 90")
            }
            guard entry.longitude.isFinite, (-180...180).contains(entry.longitude) else {
                throw Problem(description: "entry \(index) (\(name)) has longitude \(entry.longitude), not between -180 and 180")
            }
            guard entry.radius_m.isFinite, entry.radius_m > 0 else {
                throw Problem(description: "entry \(index) (\(name)) has radius_m \(entry.radius_m), which must be greater than 0")
            }
            sites.append(Site(name: name, latitude: entry.latitude, longitude: entry.longitude, radiusMetres: entry.radius_m))
        }
        return sites
    }

    private struct Entry: Decodable {
        var name: String
        var latitude: Double
        var longitude: Double
        var radius_m: Double
    }

    private static func describe(_ context: DecodingError.Context, _ problem: String) -> String {
        let path = context.codingPath
        guard let index = path.first?.intValue else { return "is not a JSON array of sites" }
        if path.count > 1 {
            return "entry \(index) field \"\(path[1].stringValue)\" \(problem)"
        }
        return "entry \(index) \(problem)"
    }
}
