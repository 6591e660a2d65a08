// swift-tools-version:6.1
// Benchmarks live in their own package so that `swift build` / `swift test` of the product never
// compile them; run them in release mode:  swift run -c release --package-path Benchmarks <Name>
import PackageDescription

let package = Package(
    name: "metropolitan-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "metropolitan", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .target(name: "ProcessReadings"),
        .executableTarget(
            name: "FakeTelegramBench",
            dependencies: [
                .product(name: "FakeTelegram", package: "metropolitan"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "FakeSheetsBench",
            dependencies: [
                "ProcessReadings",
                .product(name: "FakeSheets", package: "metropolitan"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "BotBench",
            dependencies: [
                "ProcessReadings",
                .product(name: "Bot", package: "metropolitan"),
                .product(name: "FakeTelegram", package: "metropolitan"),
                .product(name: "FakeSheets", package: "metropolitan"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "RuntimeBench",
            dependencies: [
                "ProcessReadings",
                .product(name: "ChaosKit", package: "metropolitan"),
                .product(name: "FakeTelegram", package: "metropolitan"),
                .product(name: "FakeSheets", package: "metropolitan"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "SparseFloor",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "IdleFloorHummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(
            name: "IdleFloorStack",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)
