import Foundation

/// Progress of long work on stderr: one redrawn line on a terminal; in CI or a log,
/// a plain line every `every` units so the log stays short.
public final class Progress {
    let total: Int, interactive: Bool, every: Int, label: String, quiet: Bool
    let start = Date()
    private var lastLen = 0

    public init(label: String, total: Int, interactive: Bool, every: Int = 0, quiet: Bool = false) {
        // In a job of several ranks only rank 0 reports progress.
        self.label = label; self.total = total; self.interactive = interactive; self.quiet = quiet || !Ranks.world.isRoot
        self.every = every > 0 ? every : max(1, total / 10)
    }

    /// done: units finished so far; fields: already formatted "name value" pieces.
    public func update(done: Int, fields: [String]) {
        if quiet { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let line = "\(label) \(done)/\(total) " + fields.joined(separator: " ") + " eta " + Self.duration(eta)
        if interactive {
            let pad = max(0, lastLen - line.count)
            FileHandle.standardError.write(Data(("\r" + line + String(repeating: " ", count: pad)).utf8))
            lastLen = line.count
        } else if done % every == 0 || done == total || done == 1 {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    public func finish(_ message: String) {
        if quiet { return }
        FileHandle.standardError.write(Data(((interactive ? "\n" : "") + message + "\n").utf8))
    }

    public static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
