/// Resolves a user's location to the work site they are at.
///
/// The nearest site by haversine distance wins; when the location is outside every site's radius,
/// the resolution says so and carries the distance to the nearest site.
public struct LocationService: Sendable {
    /// The sites, never empty (validated by `SitesFile`).
    public let sites: [Site]

    /// The outcome of resolving a location.
    public struct Resolution: Sendable, Equatable {
        /// The nearest site.
        public var nearest: Site
        /// Distance to `nearest`, in metres.
        public var distanceMetres: Double
        /// Whether the location is within `nearest`'s radius (boundary included).
        public var isInside: Bool

        /// The row's `site` cell: the site's name, or `outside`.
        public var siteCell: String { isInside ? nearest.name : "outside" }
    }

    /// Creates a service over `sites`.
    /// - Precondition: `sites` is not empty.
    public init(sites: [Site]) {
        precondition(!sites.isEmpty, "LocationService needs at least one site")
        self.sites = sites
    }

    /// Resolves `latitude`/`longitude`.
    /// - Throws: `GeoCoordinate.Problem` for NaN, infinite or out-of-range coordinates.
    public func resolve(latitude: Double, longitude: Double) throws(GeoCoordinate.Problem) -> Resolution {
        let point = try GeoCoordinate(latitude: latitude, longitude: longitude)
        var best: Resolution?
        for site in sites {
            // Sites were validated when loaded.
            guard let centre = try? GeoCoordinate(latitude: site.latitude, longitude: site.longitude) else { continue }
            let distance = point.distance(to: centre)
            if best == nil || distance < best!.distanceMetres {
                best = Resolution(nearest: site, distanceMetres: distance, isInside: distance <= site.radiusMetres)
            }
        }
        return best!
    }
}
