extension JSONValue {
    /// Compact single-line JSON, suitable as one JSONL record.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    public func serializedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        serialize(into: &out)
        return out
    }

    /// Appends to `out`, letting callers reuse one buffer across records.
    public func serialize(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): Self.appendNumber(d, to: &out)
        case .string(let s): Self.appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                item.serialize(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (k, member) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                member.1.serialize(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        // JSON has no NaN or infinity; null is what Python's and JS's writers
        // produce in strict mode, and it keeps the line parseable.
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        // Integral values print as integers so counts and ids stay "3", not "3.0".
        if d.rounded(.towardZero) == d && abs(d) < 9007199254740992 {
            out.append(contentsOf: String(Int64(d)).utf8)
        } else {
            // Swift's description is the shortest round-tripping form and is valid JSON.
            out.append(contentsOf: d.description.utf8)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var segment = 0
            for k in 0..<bytes.count {
                let c = bytes[k]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<k]))
                segment = k + 1
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(c)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
