import Foundation

/// File-system helpers for the benchmark's temporary folders.
enum BenchFiles {
    static func remove(_ folder: String) throws {
        try FileManager.default.removeItem(atPath: folder)
    }

    /// The type of the file system `path` lives on: the longest mount point in /proc/mounts that
    /// contains it.
    static func fileSystem(of path: String) -> String {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        var best = (point: "", type: "unknown fs")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1])
            let contains = path == point || path.hasPrefix(point == "/" ? "/" : point + "/")
            if contains && point.count >= best.point.count { best = (point, String(fields[2])) }
        }
        return best.type
    }
}
