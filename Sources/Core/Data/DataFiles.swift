#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a `--data` (or `--eval-data`, `--prompts`) value names: one file, a glob of files read
/// in sorted order (`dir/train-*.jsonl.gz`), or `hf:ORG/NAME[:SPLIT]`, a dataset in the Hugging
/// Face cache (offline: the files of the snapshot `refs/main` points at, for that split).
public enum DataFiles {
    /// File extensions the record readers take, plain or compressed.
    static let readable = [".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".json", ".parquet", ".arrow"]

    /// The columnar formats, read a row per record.
    public enum Columnar { case parquet, arrow }

    /// Parquet or Arrow by the file's first bytes (PAR1; ARROW1 or the IPC stream's marker,
    /// which no JSON text starts with); nil for anything else (line-oriented data).
    public static func columnar(_ path: String) throws -> Columnar? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let head = [UInt8](h.readData(ofLength: 8))
        if head.starts(with: ParquetFile.magic) { return .parquet }
        if ArrowFile.recognises(head) { return .arrow }
        return nil
    }

    public static func resolve(_ spec: String, env: [String: String] = ProcessInfo.processInfo.environment) throws -> [String] {
        if spec.hasPrefix("hf:") { return try hubDataset(String(spec.dropFirst(3)), env: env) }
        if FileManager.default.fileExists(atPath: spec) || !spec.contains(where: { "*?[".contains($0) }) { return [spec] }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(spec, 0, nil, &g) == 0, g.gl_pathc > 0 else { throw PrefkitError("\(spec): no files match") }
        var files: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { files.append(String(cString: p)) }
        }
        return files.sorted()
    }

    /// hf:ORG/NAME[:SPLIT] (split default train): the snapshot's files of that split, where a
    /// file belongs to a split when a folder on its path is named after it or its name starts
    /// with it (train.jsonl, train-00000-of-00002.jsonl.gz, harmless-base/train.jsonl.gz).
    static func hubDataset(_ spec: String, env: [String: String]) throws -> [String] {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let repo = parts[0]
        let split = parts.count > 1 ? parts[1] : "train"
        guard let (name, revision) = HFCache.parseRepoId(repo), !split.isEmpty else {
            throw PrefkitError("hf:\(spec): expected hf:ORG/NAME[:SPLIT]")
        }
        let (found, folder, dirs) = HFCache.entry("datasets", name, env: env)
        guard let base = found else {
            throw PrefkitError("hf:\(spec): no Hugging Face cache entry \(folder) (looked in \(dirs.joined(separator: ", "))); download it with: hf download \(name) --repo-type dataset")
        }
        let snapshot = try HFCache.snapshot(base, revision: revision, spec: "hf:" + spec, download: "hf download \(name) --repo-type dataset")
        let all = ((FileManager.default.enumerator(atPath: snapshot)?.allObjects as? [String]) ?? []).sorted()
        func inSplit(_ rel: String) -> Bool {
            let comps = rel.split(separator: "/").map(String.init)
            guard let file = comps.last else { return false }
            if comps.dropLast().contains(split) { return true }
            return file.hasPrefix(split) && file.dropFirst(split.count).first.map { "-_.".contains($0) } == true
        }
        let candidates = all.filter(inSplit)
        let files = candidates.filter { rel in readable.contains { rel.hasSuffix($0) } }.map { snapshot + "/" + $0 }
        if files.isEmpty {
            throw PrefkitError("hf:\(spec): no \(split) files (\(readable.joined(separator: ", "))) in \(snapshot)")
        }
        return files
    }
}
