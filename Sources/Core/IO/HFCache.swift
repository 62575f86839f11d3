import Foundation

/// `--model ORG/NAME[@REVISION]` from the Hugging Face hub cache, offline: a name that is not a
/// directory here is looked up as `models--ORG--NAME` under $HF_HUB_CACHE, $HF_HOME/hub or
/// ~/.cache/huggingface/hub (the layout huggingface_hub writes: `refs/REVISION` holds a commit
/// hash, `snapshots/HASH/` the files). Nothing is downloaded; a missing entry says what to run.
public enum HFCache {
    /// The cache folders to search, in huggingface_hub's order of precedence.
    public static func hubDirectories(_ env: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let c = env["HF_HUB_CACHE"], !c.isEmpty { return [c] }
        if let h = env["HF_HOME"], !h.isEmpty { return [h + "/hub"] }
        let home = env["HOME"] ?? NSHomeDirectory()
        return [home + "/.cache/huggingface/hub"]
    }

    /// ORG/NAME with an optional @REVISION, as a repository id may be written; nil for anything else.
    static func parseRepoId(_ spec: String) -> (repo: String, revision: String)? {
        let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
        let repo = parts[0]
        let names = repo.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard names.count == 2, names.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
              repo.unicodeScalars.allSatisfy({ allowed.contains($0) || $0 == "/" }) else { return nil }
        let revision = parts.count > 1 ? parts[1] : "main"
        guard !revision.isEmpty, !revision.contains("..") else { return nil }
        return (repo, revision)
    }

    /// A local directory as given, else the cached snapshot of the repository it names.
    public static func resolveModel(_ spec: String, env: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: spec, isDirectory: &isDir), isDir.boolValue { return spec }
        guard let (repo, revision) = parseRepoId(spec) else { return spec }
        let (base, folder, dirs) = entry("models", repo, env: env)
        guard let base else {
            throw PrefkitError("\(spec): no such model directory, and no Hugging Face cache entry \(folder) (looked in \(dirs.joined(separator: ", "))); download it with: hf download \(repo)\(revision == "main" ? "" : " --revision \(revision)")")
        }
        let snapshot = try snapshot(base, revision: revision, spec: spec, download: "hf download \(repo)")
        guard FileManager.default.fileExists(atPath: snapshot + "/config.json")
                || FileManager.default.fileExists(atPath: snapshot + "/adapter_config.json") else {
            throw PrefkitError("\(spec): the cached snapshot \(snapshot) has no config.json (an incomplete download?); download it with: hf download \(repo)")
        }
        return snapshot
    }

    /// A repository's cache folder (KIND--ORG--NAME, KIND models or datasets) in the first hub
    /// directory that has it, with the folder name and the directories searched, for messages.
    static func entry(_ kind: String, _ repo: String, env: [String: String]) -> (base: String?, folder: String, searched: [String]) {
        let folder = kind + "--" + repo.replacingOccurrences(of: "/", with: "--")
        let dirs = hubDirectories(env)
        let base = dirs.map { $0 + "/" + folder }.first { FileManager.default.fileExists(atPath: $0) }
        return (base, folder, dirs)
    }

    /// The snapshot folder of a revision: a 40-hex commit names it directly, anything else
    /// through refs/REVISION. `download` is the command that would fetch the repository.
    static func snapshot(_ base: String, revision: String, spec: String, download: String) throws -> String {
        var commit = revision
        if !(revision.count == 40 && revision.allSatisfy(\.isHexDigit)) {
            let ref = base + "/refs/" + revision
            guard let text = try? String(contentsOfFile: ref, encoding: .utf8) else {
                throw PrefkitError("\(spec): the cache entry \(base) has no revision \(revision) (no \(ref)); download it with: \(download) --revision \(revision)")
            }
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return base + "/snapshots/" + commit
    }
}
