/// Thrift's compact protocol, as Parquet stores its footer and page headers: structs decode to
/// field id → value, every length and count checked against the bytes that remain, nesting
/// bounded, so a hostile file is an error and never a read past the end.
enum Thrift {
    indirect enum Value {
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case binary([UInt8])
        case list([Value])
        case structure([Int: Value])

        var int: Int64? { if case .int(let v) = self { return v }; return nil }
        var binary: [UInt8]? { if case .binary(let b) = self { return b }; return nil }
        var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
        var list: [Value]? { if case .list(let l) = self { return l }; return nil }
        var fields: [Int: Value]? { if case .structure(let s) = self { return s }; return nil }
    }

    struct Reader {
        let bytes: [UInt8]
        var pos: Int
        let source: String
        var depth = 0

        init(_ bytes: [UInt8], at pos: Int = 0, source: String) {
            self.bytes = bytes
            self.pos = pos
            self.source = source
        }

        func fail(_ what: String) -> PrefkitError { PrefkitError("\(source): corrupt Parquet metadata: \(what) at byte \(pos)") }

        mutating func byte() throws -> UInt8 {
            guard pos < bytes.count else { throw fail("truncated") }
            defer { pos += 1 }
            return bytes[pos]
        }

        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw fail("varint too long") }
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }

        mutating func zigzag() throws -> Int64 {
            let v = try varint()
            return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
        }

        mutating func take(_ n: Int) throws -> [UInt8] {
            guard n >= 0, n <= bytes.count - pos else { throw fail("a length runs past the data") }
            defer { pos += n }
            return Array(bytes[pos..<(pos + n)])
        }

        /// A struct: field headers carry a delta (or an explicit id) and a type; type 0 ends it.
        mutating func structure() throws -> [Int: Value] {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw fail("nesting too deep") }
            var out: [Int: Value] = [:]
            var last = 0
            while true {
                let header = try byte()
                let type = header & 0x0F
                if type == 0 { return out }
                let delta = Int(header >> 4)
                let id = delta != 0 ? last + delta : Int(try zigzag())
                last = id
                out[id] = try value(type)
            }
        }

        mutating func value(_ type: UInt8) throws -> Value {
            switch type {
            case 1: return .bool(true)
            case 2: return .bool(false)
            case 3: return .int(Int64(Int8(bitPattern: try byte())))
            case 4, 5, 6: return .int(try zigzag())
            case 7:
                let b = try take(8)
                return .double(Double(bitPattern: b.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }))
            case 8:
                let n = try varint()
                guard n <= UInt64(bytes.count - pos) else { throw fail("a length runs past the data") }
                return .binary(try take(Int(n)))
            case 9, 10:
                let header = try byte()
                var count = Int(header >> 4)
                if count == 15 {
                    let n = try varint()
                    guard n <= UInt64(bytes.count - pos) else { throw fail("a list longer than the data") }
                    count = Int(n)
                }
                let elementType = header & 0x0F
                var items: [Value] = []
                for _ in 0..<count {
                    // Booleans inside lists are one byte each.
                    if elementType == 1 || elementType == 2 { items.append(.bool(try byte() == 1)) } else { items.append(try value(elementType)) }
                }
                return .list(items)
            case 11: throw fail("Thrift maps are not used by Parquet metadata")
            case 12: return .structure(try structure())
            default: throw fail("unknown Thrift type \(type)")
            }
        }
    }
}
