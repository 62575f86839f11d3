import Foundation

/// An event file read back: our decoder of TensorBoard's format (the tests read files our
/// writer and TensorBoard's own SummaryWriter wrote, so the two agree on the bytes).
public struct EventFile {
    public struct Value {
        public var tag: String
        public var scalar: Double?
        /// Right bucket edges and counts of a histogram.
        public var histogram: (limits: [Double], counts: [Double])?
        public var text: String?
    }

    public struct Event {
        public var wallTime: Double
        public var step: Int
        public var fileVersion: String?
        public var values: [Value]
    }

    public let events: [Event]

    public init(path: String) throws {
        let bytes = try ArtifactFile.readBytes(path)
        var out: [Event] = []
        for record in try TFRecord.records(bytes, source: path) {
            out.append(try Self.event(record, path))
        }
        events = out
    }

    /// Scalars by tag, in step order.
    public var scalars: [String: [(step: Int, value: Double)]] {
        var s: [String: [(step: Int, value: Double)]] = [:]
        for e in events {
            for v in e.values {
                if let x = v.scalar { s[v.tag, default: []].append((e.step, x)) }
            }
        }
        return s
    }

    static func event(_ b: [UInt8], _ path: String) throws -> Event {
        var e = Event(wallTime: 0, step: 0, fileVersion: nil, values: [])
        for (field, v) in try ProtobufReader.fields(b) {
            switch field {
            case 1: e.wallTime = v.double ?? 0
            case 2: e.step = Int(v.int ?? 0)
            case 3: e.fileVersion = v.string
            case 5:
                for (f, value) in try ProtobufReader.fields(v.data ?? []) where f == 1 {
                    e.values.append(try Self.value(value.data ?? []))
                }
            default: break
            }
        }
        return e
    }

    static func value(_ b: [UInt8]) throws -> Value {
        var out = Value(tag: "")
        for (field, v) in try ProtobufReader.fields(b) {
            switch field {
            case 1: out.tag = v.string ?? ""
            case 2: out.scalar = v.float.map(Double.init)
            case 5:
                var limits: [Double] = []
                var counts: [Double] = []
                for (f, x) in try ProtobufReader.fields(v.data ?? []) {
                    // Packed (one bytes field) or unpacked (one double per field) repeated doubles.
                    if f == 6 { limits += x.doubles ?? x.double.map { [$0] } ?? [] }
                    if f == 7 { counts += x.doubles ?? x.double.map { [$0] } ?? [] }
                }
                out.histogram = (limits, counts)
            case 8:
                for (f, x) in try ProtobufReader.fields(v.data ?? []) where f == 8 { out.text = x.string }
            default: break
            }
        }
        return out
    }
}
