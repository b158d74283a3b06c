// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "appvault",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VaultCrypto", targets: ["VaultCrypto"]),
        .library(name: "AppVault", targets: ["AppVault"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "MailConnectors", targets: ["MailConnectors"]),
        .library(name: "MailProxy", targets: ["MailProxy"]),
        .library(name: "VaultAgent", targets: ["VaultAgent"]),
        .executable(name: "appvault", targets: ["appvault"]),
        .executable(name: "appvault-bench", targets: ["AppVaultBench"]),
        .executable(name: "startup-floor", targets: ["StartupFloor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "VaultCrypto",
            dependencies: ["CSodium"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AppVault",
            dependencies: [
                "VaultCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PostgresStore",
            dependencies: [
                "AppVault", "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MailConnectors",
            dependencies: [
                "AppVault", "VaultCrypto", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MailProxy",
            dependencies: [
                "AppVault", "VaultCrypto", "MailConnectors",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VaultAgent",
            dependencies: [
                "AppVault", "VaultCrypto", "MailProxy", "MailConnectors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "appvault",
            dependencies: [
                "AppVault", "PostgresStore", "VaultCrypto", "MailConnectors", "VaultAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "AppVaultBench",
            dependencies: [
                "AppVault", "PostgresStore", "VaultCrypto", "VaultAgent", "MailConnectors", "MailProxy", "CSodium",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/AppVaultBench",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "StartupFloor",
            path: "Benchmarks/StartupFloor",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VaultCryptoTests",
            dependencies: ["VaultCrypto"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AppVaultTests",
            dependencies: ["AppVault", "PostgresStore", "VaultCrypto", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FuzzSupport",
            path: "Tests/Fuzz/Support",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzAgentCodec",
            dependencies: ["FuzzSupport", "VaultAgent"],
            path: "Tests/Fuzz/AgentCodec",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzIMAPResponses",
            dependencies: ["FuzzSupport", "MailConnectors"],
            path: "Tests/Fuzz/IMAPResponses",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzIMAPFetch",
            dependencies: ["FuzzSupport", "MailConnectors"],
            path: "Tests/Fuzz/IMAPFetch",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzMIMEMessages",
            dependencies: ["FuzzSupport", "MailConnectors"],
            path: "Tests/Fuzz/MIMEMessages",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzSMTPReplies",
            dependencies: ["FuzzSupport", "MailConnectors"],
            path: "Tests/Fuzz/SMTPReplies",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzVaultRows",
            dependencies: ["FuzzSupport", "AppVault", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/Fuzz/VaultRows",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzProxyPreLogin",
            dependencies: ["FuzzSupport", "MailProxy"],
            path: "Tests/Fuzz/ProxyPreLogin",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzPostgresRows",
            dependencies: ["FuzzSupport", "PostgresStore"],
            path: "Tests/Fuzz/PostgresRows",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FuzzVaultFile",
            dependencies: ["FuzzSupport", "AppVault", "VaultCrypto"],
            path: "Tests/Fuzz/VaultFile",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ClusterHost",
            dependencies: ["AppVault", "PostgresStore", "VaultCrypto"],
            path: "Tests/Cluster/Host",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: ["TestSupport", "AppVault", "VaultAgent", "VaultCrypto"],
            path: "Tests/Cluster/Tests",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["AppVault", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "AppVault", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["TestSupport", "AppVault", "VaultCrypto"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VaultAgentTests",
            dependencies: [
                "VaultAgent", "AppVault", "VaultCrypto", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MailProxyTests",
            dependencies: [
                "MailProxy", "MailConnectors", "AppVault", "VaultCrypto", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Scripts"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MailConnectorsTests",
            dependencies: ["MailConnectors", "AppVault", "VaultCrypto", "TestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
