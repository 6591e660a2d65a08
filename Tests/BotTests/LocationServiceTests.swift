import Bot
import Foundation
import Testing

@Suite struct LocationServiceTests {
    static let sites = [
        Site(name: "Madrid HQ", latitude: 40.4168, longitude: -3.7038, radiusMetres: 150),
        Site(name: "Barcelona Depot", latitude: 41.3874, longitude: 2.1686, radiusMetres: 200),
        Site(name: "Fiji East", latitude: -17.0, longitude: 179.999, radiusMetres: 500),
        Site(name: "North Pole Camp", latitude: 90, longitude: 0, radiusMetres: 1_000),
        Site(name: "South Pole Station", latitude: -90, longitude: 45, radiusMetres: 1_000),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var latitude: Double
        var longitude: Double
        var site: String
        var nearest: String
        var distance: ClosedRange<Double>
        var testDescription: String { label }
    }

    @Test("resolves the nearest site, inside or outside its radius", arguments: [
        Case(label: "at the site's centre", latitude: 40.4168, longitude: -3.7038, site: "Madrid HQ", nearest: "Madrid HQ", distance: 0...0.001),
        Case(label: "about 111 m north, inside 150 m", latitude: 40.4178, longitude: -3.7038, site: "Madrid HQ", nearest: "Madrid HQ", distance: 110...113),
        Case(label: "about 222 m north, outside 150 m", latitude: 40.4188, longitude: -3.7038, site: "outside", nearest: "Madrid HQ", distance: 221...224),
        Case(label: "nearer Barcelona than Madrid", latitude: 41.38, longitude: 2.16, site: "outside", nearest: "Barcelona Depot", distance: 1_000...1_200),
        Case(label: "across the antimeridian (-179.999 vs 179.999)", latitude: -17.0, longitude: -179.9995, site: "Fiji East", nearest: "Fiji East", distance: 150...170),
        Case(label: "near the north pole at any longitude", latitude: 89.999, longitude: 120, site: "North Pole Camp", nearest: "North Pole Camp", distance: 110...113),
        Case(label: "exactly on the south pole with another longitude", latitude: -90, longitude: -135, site: "South Pole Station", nearest: "South Pole Station", distance: 0...0.001),
        Case(label: "0.01° east of Madrid, about 847 m", latitude: 40.4168, longitude: -3.7038 + 0.01, site: "outside", nearest: "Madrid HQ", distance: 840...850),
    ])
    func resolves(_ example: Case) throws {
        let resolution = try LocationService(sites: Self.sites).resolve(latitude: example.latitude, longitude: example.longitude)
        #expect(resolution.siteCell == example.site)
        #expect(resolution.nearest.name == example.nearest)
        #expect(example.distance.contains(resolution.distanceMetres), "distance \(resolution.distanceMetres)")
    }

    @Test("the haversine distance Madrid–Barcelona is about 505 km")
    func knownDistance() throws {
        let madrid = try GeoCoordinate(latitude: 40.4168, longitude: -3.7038)
        let barcelona = try GeoCoordinate(latitude: 41.3874, longitude: 2.1686)
        #expect((503_000...507_000).contains(madrid.distance(to: barcelona)))
    }

    @Test("rejects impossible coordinates", arguments: [
        (Double.nan, 0.0, GeoCoordinate.Problem.latitudeNotFinite),
        (0, .nan, .longitudeNotFinite),
        (.infinity, 0, .latitudeNotFinite),
        (90.0001, 0, .latitudeOutOfRange(90.0001)),
        (-91, 0, .latitudeOutOfRange(-91)),
        (0, 180.5, .longitudeOutOfRange(180.5)),
        (0, -181, .longitudeOutOfRange(-181)),
    ])
    func rejectsInvalidCoordinates(latitude: Double, longitude: Double, problem: GeoCoordinate.Problem) {
        #expect(throws: problem) {
            _ = try LocationService(sites: Self.sites).resolve(latitude: latitude, longitude: longitude)
        }
    }

    @Test("the shipped example sites file loads")
    func exampleLoads() throws {
        let sites = try SitesFile.load(contentsOf: SitesFile.example)
        #expect(sites.map(\.name) == ["Madrid HQ", "Barcelona Depot", "Valencia Yard"])
    }

    @Test("a bad sites file is refused naming the bad entry", arguments: [
        ("{}", "not a JSON array"),
        ("not json", "not valid JSON"),
        ("[]", "lists no sites"),
        (#"[{"name": "A", "latitude": 1, "longitude": 1, "radius_m": 5}, {"name": " ", "latitude": 1, "longitude": 1, "radius_m": 5}]"#, "entry 1 has an empty name"),
        (#"[{"name": "A", "latitude": 91, "longitude": 1, "radius_m": 5}]"#, "entry 0 (A) has latitude 91"),
        (#"[{"name": "A", "latitude": 1, "longitude": -180.1, "radius_m": 5}]"#, "entry 0 (A) has longitude -180.1"),
        (#"[{"name": "A", "latitude": 1, "longitude": 1, "radius_m": 0}]"#, "entry 0 (A) has radius_m 0"),
        (#"[{"name": "A", "latitude": 1, "longitude": 1}]"#, "entry 0 has no \"radius_m\""),
        (#"[{"name": "A", "latitude": "north", "longitude": 1, "radius_m": 3}]"#, "entry 0 field \"latitude\" has the wrong type"),
    ])
    func rejectsBadFiles(json: String, message: String) {
        #expect {
            _ = try SitesFile.parse(Data(json.utf8))
        } throws: { error in
            (error as? SitesFile.Problem)?.description.contains(message) == true
        }
    }
}
