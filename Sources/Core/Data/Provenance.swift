import Foundation

/// prefkit.json beside every model a stage writes: which stage made it, from what parent
/// and data (with digests), how many steps, and the final metrics.
public enum Provenance {
    public static func write(_ dir: String, _ fields: [String: Any]) throws {
        var f = fields
        f["prefkit_version"] = prefkitVersion
        f["created"] = ISO8601DateFormatter().string(from: Date())
        let data = try JSONSerialization.data(withJSONObject: sanitize(f), options: [.prettyPrinted, .sortedKeys])
        try ArtifactFile.writeAtomically(dir + "/prefkit.json", bytes: [UInt8](data), compress: false)
    }

    public static func read(_ dir: String) -> [String: Any]? {
        guard let d = FileManager.default.contents(atPath: dir + "/prefkit.json") else { return nil }
        return (try? JSONSerialization.jsonObject(with: d)) as? [String: Any]
    }

    /// JSON cannot hold NaN/inf; they become null rather than a failed write.
    static func sanitize(_ v: Any) -> Any {
        switch v {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let f as Float: return f.isFinite ? Double(f) : NSNull()
        case let m as [String: Any]: return m.mapValues(sanitize)
        case let m as [String: Double]: return m.mapValues { sanitize($0) }
        case let a as [Any]: return a.map(sanitize)
        default: return v
        }
    }

    public static let prefkitVersion = "0.1.0"
}
