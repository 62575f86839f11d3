import Foundation

/// metrics.jsonl: one JSON object per optimizer step (and per evaluation), flushed as written
/// so a crash loses at most the line being written. On resume, lines after the restored step go.
public final class MetricsLog {
    public let path: String
    private let handle: FileHandle

    public init(path: String, resumeAtStep: Int?) throws {
        self.path = path
        let fm = FileManager.default
        var keep: [UInt8] = []
        if let step = resumeAtStep, fm.fileExists(atPath: path) {
            let reader = try LineReader(path: path)
            while let (_, line) = try reader.nextLine() {
                guard let rec = try? JSONValue.parse(line), let s = rec["step"]?.intValue, s <= step else { continue }
                keep += line; keep.append(10)
            }
        }
        let tmp = path + ".tmp"
        guard fm.createFile(atPath: tmp, contents: Data(keep)) else { throw PrefkitError("\(path): cannot create metrics log") }
        try? fm.removeItem(atPath: path)
        try fm.moveItem(atPath: tmp, toPath: path)
        guard let h = FileHandle(forWritingAtPath: path) else { throw PrefkitError("\(path): cannot open metrics log") }
        h.seekToEndOfFile()
        handle = h
    }

    /// Throws on a failed write (a full disk): FileHandle.write(_:) would trap instead.
    public func append(_ fields: [(String, JSONValue)]) throws {
        var bytes = JSONValue.object(fields).serializedBytes()
        bytes.append(10)
        do { try handle.write(contentsOf: Data(bytes)) } catch {
            throw PrefkitError("\(path): write failed: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }
}
