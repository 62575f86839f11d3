import Foundation

/// Typed reads of a config.json object, every error naming the file and the key.
public struct HFConfigJSON {
    public let object: [String: Any]
    public let source: String

    public init(_ object: [String: Any], source: String) {
        self.object = object
        self.source = source
    }

    public func has(_ key: String) -> Bool {
        guard let v = object[key] else { return false }
        return !(v is NSNull)
    }

    public func int(_ key: String) throws -> Int {
        guard let v = object[key] else { throw PrefkitError("\(source): missing \"\(key)\"") }
        guard let i = exactInt(v) else { throw PrefkitError("\(source): \"\(key)\" must be an integer") }
        return i
    }

    public func optInt(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        guard let i = exactInt(object[key]!) else { throw PrefkitError("\(source): \"\(key)\" must be an integer or null") }
        return i
    }

    public func optDouble(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        guard let n = object[key] as? NSNumber, !isJSONBool(object[key]!), n.doubleValue.isFinite else {
            throw PrefkitError("\(source): \"\(key)\" must be a number or null")
        }
        return n.doubleValue
    }

    public func optString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = object[key] as? String else { throw PrefkitError("\(source): \"\(key)\" must be a string or null") }
        return s
    }

    public func optBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let b = object[key] as? Bool else { throw PrefkitError("\(source): \"\(key)\" must be true or false") }
        return b
    }

    /// A nested object, read with the same rules and a dotted source.
    public func optObject(_ key: String) throws -> HFConfigJSON? {
        guard has(key) else { return nil }
        guard let o = object[key] as? [String: Any] else { throw PrefkitError("\(source): \"\(key)\" must be an object or null") }
        return HFConfigJSON(o, source: "\(source): \(key)")
    }

    /// A RoPE description: `rope_type`/`type` default, linear or llama3, with the base θ
    /// from `rope_theta` here or `defaultTheta`. Any other type is refused by name.
    public func ropeSpec(defaultTheta: Double?) throws -> RopeSpec {
        guard let theta = try optDouble("rope_theta") ?? defaultTheta else {
            throw PrefkitError("\(source): missing \"rope_theta\"")
        }
        let type = try optString("rope_type") ?? optString("type") ?? "default"
        func need(_ key: String) throws -> Double {
            guard let v = try optDouble(key) else { throw PrefkitError("\(source): rope type \"\(type)\" needs \"\(key)\"") }
            return v
        }
        switch type {
        case "default":
            return RopeSpec(theta: theta)
        case "linear":
            return RopeSpec(theta: theta, scaling: .linear(factor: try need("factor")))
        case "llama3":
            let scaling = RopeSpec.Scaling.llama3(
                factor: try need("factor"), lowFreqFactor: try need("low_freq_factor"),
                highFreqFactor: try need("high_freq_factor"),
                originalMaxPositions: try need("original_max_position_embeddings"))
            return RopeSpec(theta: theta, scaling: scaling)
        default:
            throw PrefkitError("\(source): rope type \"\(type)\" is not supported (default, linear, llama3)")
        }
    }
}
