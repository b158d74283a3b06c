import AppVault
import ArgumentParser
import Foundation
import Glibc
import Logging
import VaultCrypto

/// Where the CLI's diagnostics go: standard error, level from $APPVAULT_LOG_LEVEL (default warning).
enum CLILogging {
    static let logger: Logger = {
        var logger = Logger(label: "appvault") { StreamLogHandler.standardError(label: $0) }
        let level = ProcessInfo.processInfo.environment["APPVAULT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }()
}

/// An error the CLI reports with its own exit status.
protocol ReportableError: Error, CustomStringConvertible {
    var exitCode: Int32 { get }
}

extension VaultError: ReportableError {}

/// Runs a command body; a known error is printed as one line on standard error and becomes
/// its documented exit status.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as any ReportableError {
        Output.error(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// Printing helpers.
enum Output {
    static func line(_ text: String) { print(text) }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data("appvault: error: \(text)\n".utf8))
    }

    static func notice(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// Writes raw secret bytes to standard output, without building a String of them.
    static func writeSecret(_ bytes: UnsafeRawBufferPointer) {
        fflush(nil)
        var offset = 0
        while offset < bytes.count {
            let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { if errno == EINTR { continue }; return }
            offset += written
        }
        _ = write(STDOUT_FILENO, "\n", 1)
    }

    /// The one JSON shape of every `--json` output (docs/cli.md): sorted snake_case keys, ISO 8601
    /// times; indented, or on one line (JSON Lines, for output that streams).
    private static func encoder(oneLine: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = oneLine ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Output.date(date))
        }
        return encoder
    }

    /// `value` as JSON on standard output: indented, or on one line (JSON Lines, for output
    /// that streams, such as `fetch --follow --json`).
    static func json<T: Encodable>(_ value: T, oneLine: Bool = false) throws {
        print(String(decoding: try encoder(oneLine: oneLine).encode(value), as: UTF8.self))
        if oneLine { fflush(nil) }
    }

    /// Prints `value` as JSON with one more member, `secretKey`, holding `secret`: the secret's
    /// bytes go from guarded memory to standard output without ever becoming a String.
    static func jsonWithSecret<T: Encodable>(_ value: T, secretKey: String, secret: UnsafeRawBufferPointer) throws {
        var text = String(decoding: try encoder().encode(value), as: UTF8.self)
        while let last = text.last, last == "}" || last.isWhitespace { text.removeLast() }
        print(text + ",\n  \"" + secretKey + "\" : \"", terminator: "")
        fflush(nil)
        var escaped = [UInt8](repeating: 0, count: 6)
        for byte in secret {
            if (0x20..<0x7F).contains(byte), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                escaped[0] = byte
                _ = write(STDOUT_FILENO, escaped, 1)
            } else {
                let digits = Array("0123456789abcdef".utf8)
                escaped = [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                           digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
                _ = write(STDOUT_FILENO, escaped, 6)
            }
        }
        Memory.wipe(&escaped)
        _ = write(STDOUT_FILENO, "\"\n}\n", 4)
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        guard date.timeIntervalSince1970.isFinite, abs(date.timeIntervalSince1970) < 1e11 else { return "invalid" }
        // The value-type format style: an ISO8601DateFormatter per call built an ICU formatter each
        // time, a third of `list`'s run time with 1 000 accounts. Same output (`2027-01-15T08:00:00Z`).
        return date.formatted(.iso8601)
    }

    /// `text` made safe to print: control characters (C0, DEL, C1), escape sequences and
    /// Unicode direction or invisible formatting characters are shown as `\u{..}` escapes, so a
    /// mail subject, a sender's name or a peer's program path cannot move the cursor, rewrite the
    /// screen or reorder what is shown. Also when standard output is not a terminal: text piped
    /// to `less -R`, `head` or a log file reaches a terminal in the end. `--json` is exact.
    static func safe(_ text: String) -> String {
        TerminalText.escaped(text)
    }

    /// A byte count for people: `512 B`, `12.3 KiB`, `4.0 MiB`, `1.2 GiB`.
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// Left-aligned columns; every cell goes through ``safe(_:)``.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows.map { $0.map(safe) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let padded = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(padded.joined(separator: "  "))
        }
    }
}
