import Foundation

/// A validated point on the Earth: latitude −90…90 and longitude −180…180 degrees, both finite.
public struct GeoCoordinate: Sendable, Equatable {
    /// Degrees north, −90…90.
    public let latitude: Double
    /// Degrees east, −180…180.
    public let longitude: Double

    /// Why a pair of numbers is not a coordinate.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case latitudeNotFinite
        case longitudeNotFinite
        case latitudeOutOfRange(Double)
        case longitudeOutOfRange(Double)

        /// Phrased for users and error messages alike.
        public var description: String {
            switch self {
            case .latitudeNotFinite: "the latitude is not a number"
            case .longitudeNotFinite: "the longitude is not a number"
            case .latitudeOutOfRange(let value): "the latitude \(value) is not between -90 and 90"
            case .longitudeOutOfRange(let value): "the longitude \(value) is not between -180 and 180"
            }
        }
    }

    /// Validates `latitude` and `longitude`.
    /// - Throws: `Problem` for NaN, infinities and out-of-range values.
    public init(latitude: Double, longitude: Double) throws(Problem) {
        guard latitude.isFinite else { throw .latitudeNotFinite }
        guard longitude.isFinite else { throw .longitudeNotFinite }
        guard (-90...90).contains(latitude) else { throw .latitudeOutOfRange(latitude) }
        guard (-180...180).contains(longitude) else { throw .longitudeOutOfRange(longitude) }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Mean Earth radius used by `distance(to:)`, in metres (IUGG): 6,371,008.8.
    public static let earthRadiusMetres = 6_371_008.8

    /// Great-circle distance to `other` in metres by the haversine formula, on a sphere of
    /// `earthRadiusMetres`. Correct across the antimeridian and at the poles.
    public func distance(to other: GeoCoordinate) -> Double {
        let φ1 = latitude * .pi / 180
        let φ2 = other.latitude * .pi / 180
        let Δφ = φ2 - φ1
        let Δλ = (other.longitude - longitude) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        let c = 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
        return Self.earthRadiusMetres * c
    }
}
