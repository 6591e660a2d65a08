/// A work site staff check in at: a named point and the radius around it that counts as "at" it.
public struct Site: Codable, Sendable, Equatable {
    /// Shown to the user and written in the row's `site` column. Never empty.
    public var name: String
    /// Degrees, −90…90.
    public var latitude: Double
    /// Degrees, −180…180.
    public var longitude: Double
    /// Metres, greater than zero.
    public var radiusMetres: Double

    /// Creates a site; `SitesFile` validates sites read from a file.
    public init(name: String, latitude: Double, longitude: Double, radiusMetres: Double) {
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.radiusMetres = radiusMetres
    }

    enum CodingKeys: String, CodingKey {
        case name, latitude, longitude
        case radiusMetres = "radius_m"
    }
}
