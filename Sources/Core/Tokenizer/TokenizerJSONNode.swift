import Foundation

/// One object of a tokenizer.json with its JSON path, so every refusal names the file
/// and the exact field (`pre_tokenizer.pretokenizers[1].type "Whitespace" is not supported`).
struct TokenizerJSONNode {
    let object: [String: Any]
    let path: String
    let source: String

    init(_ value: Any?, path: String, source: String) throws {
        guard let object = value as? [String: Any] else {
            throw PrefkitError("\(source): \(path) is not a JSON object")
        }
        self.object = object
        self.path = path
        self.source = source
    }

    func error(_ message: String) -> PrefkitError {
        PrefkitError("\(source): \(message)")
    }

    func type() throws -> String {
        guard let t = object["type"] as? String else {
            throw error("\(path).type is missing or not a string")
        }
        return t
    }

    /// The refusal for a component type this tokenizer does not implement.
    func unsupportedType(_ type: String, supported: [String]) -> PrefkitError {
        error("\(path).type \(type.debugDescription) is not supported (supported: \(supported.joined(separator: ", ")))")
    }

    /// Refuses keys other than `known`: a field we do not read could change the ids.
    func allowOnly(_ known: [String]) throws {
        for key in object.keys.sorted() where key != "type" && !known.contains(key) {
            throw error("\(path).\(key) is not supported for \((object["type"] as? String ?? "this component").debugDescription)")
        }
    }

    func string(_ key: String) throws -> String {
        guard let s = object[key] as? String else {
            throw error("\(path).\(key) is missing or not a string")
        }
        return s
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = object[key], !(v is NSNull) else { return value }
        guard let b = v as? Bool else {
            throw error("\(path).\(key) is not a boolean")
        }
        return b
    }

    func int(_ key: String) throws -> Int {
        guard let i = object[key] as? Int else {
            throw error("\(path).\(key) is missing or not an integer")
        }
        return i
    }

    /// A child object, or nil when the key is absent or null.
    func optionalChild(_ key: String) throws -> TokenizerJSONNode? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        return try TokenizerJSONNode(v, path: "\(path).\(key)", source: source)
    }

    /// The objects of an array field, each with its indexed path.
    func children(_ key: String) throws -> [TokenizerJSONNode] {
        guard let list = object[key] as? [Any] else {
            throw error("\(path).\(key) is missing or not an array")
        }
        return try list.enumerated().map { i, v in
            try TokenizerJSONNode(v, path: "\(path).\(key)[\(i)]", source: source)
        }
    }

    /// A `{"String": s}` / `{"Regex": r}` pattern object.
    func pattern(_ key: String) throws -> (string: String?, regex: String?) {
        let p = try TokenizerJSONNode(object[key], path: "\(path).\(key)", source: source)
        if let s = p.object["String"] as? String {
            return (s, nil)
        }
        if let r = p.object["Regex"] as? String {
            return (nil, r)
        }
        throw error("\(path).\(key) needs a \"String\" or \"Regex\" entry")
    }
}
