import Foundation
import Glibc

/// The machine the numbers were measured on, read from /proc and uname.
struct MachineInfo {
    var cpuModel: String
    var cores: Int
    var memory: String
    var kernel: String
    var date: String

    static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let totalKiB = ProcStatus.kibibytes(named: "MemTotal", in: meminfo) ?? 0
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let formatter = ISO8601DateFormatter()
        return MachineInfo(
            cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount,
            memory: String(format: "%.1f GiB", Double(totalKiB) / 1_048_576),
            kernel: "Linux \(release)", date: formatter.string(from: Date()))
    }
}

/// Reads `Name:  1234 kB` lines from /proc files.
enum ProcStatus {
    static func kibibytes(named name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// This process's resident memory (VmRSS) in KiB.
    static func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return kibibytes(named: "VmRSS", in: status) ?? 0
    }
}
