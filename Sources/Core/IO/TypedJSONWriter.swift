import Foundation

/// Writes a JSONSerialization object tree back to JSON keeping the number types it was read
/// with: 5.0 stays `5.0`. Foundation's writer prints it as `5`, and transformers 5's
/// strictly typed configs then refuse a float field (final_logit_softcapping, rope_theta,
/// attention_dropout) that arrives as an integer. Keys are sorted, two-space indented.
public enum TypedJSONWriter {
    public static func data(_ value: Any) throws -> [UInt8] {
        var out = ""
        try write(value, indent: 0, into: &out)
        out += "\n"
        return Array(out.utf8)
    }

    private static func write(_ v: Any, indent: Int, into out: inout String) throws {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        if v is NSNull {
            out += "null"
        } else if let s = v as? String {
            out += quoted(s)
        } else if isJSONBool(v), let b = v as? Bool {
            out += b ? "true" : "false"
        } else if let n = v as? NSNumber {
            out += try number(n)
        } else if let a = v as? [Any] {
            if a.isEmpty {
                out += "[]"
                return
            }
            out += "[\n"
            for (i, item) in a.enumerated() {
                out += pad
                try write(item, indent: indent + 1, into: &out)
                out += i + 1 < a.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        } else if let o = v as? [String: Any] {
            if o.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            let keys = o.keys.sorted()
            for (i, k) in keys.enumerated() {
                out += pad + quoted(k) + ": "
                try write(o[k]!, indent: indent + 1, into: &out)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        } else {
            throw PrefkitError("cannot write a \(type(of: v)) as JSON")
        }
    }

    private static func number(_ n: NSNumber) throws -> String {
        let type = String(cString: n.objCType)
        guard type == "d" || type == "f" else { return "\(n.int64Value)" }
        let d = n.doubleValue
        guard d.isFinite else { throw PrefkitError("cannot write \(d) as JSON") }
        if d == d.rounded() && abs(d) < 1e15 { return "\(Int64(d)).0" }
        return "\(d)"
    }

    /// The project's one JSON string escaping (JSONValue's serializer).
    private static func quoted(_ s: String) -> String {
        JSONValue.string(s).serialized()
    }
}
