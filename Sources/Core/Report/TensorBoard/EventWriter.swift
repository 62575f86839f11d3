import Foundation

/// A TensorBoard event file (`events.out.tfevents.*`): TFRecord-framed `Event` protos, the
/// first carrying the file version, then scalar, histogram and text summaries. Each event is
/// written to the file as it comes, so a live `tensorboard --logdir` shows a run in progress.
///
/// Messages (tensorflow/core/util/event.proto, framework/summary.proto): Event {1 wall_time
/// double, 2 step int64, 3 file_version string, 5 summary}; Summary {1 repeated Value};
/// Value {1 tag, 2 simple_value float, 5 histo, 8 tensor, 9 metadata}; HistogramProto {1 min,
/// 2 max, 3 num, 4 sum, 5 sum_squares, 6 bucket_limit packed, 7 bucket packed}.
public final class EventWriter {
    public let path: String
    private let handle: FileHandle

    /// Creates LOGDIR/events.out.tfevents.SECONDS.HOST.PID.N (N picks a free name).
    public init(logDir: String) throws {
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let base = logDir + "/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        var n = 0
        while FileManager.default.fileExists(atPath: base + ".\(n)") { n += 1 }
        path = base + ".\(n)"
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw PrefkitError("\(path): cannot create the TensorBoard event file")
        }
        handle = h
        try write(step: 0) { $0.string(3, "brain.Event:2") }
    }

    deinit { try? handle.close() }

    /// One scalar per tag at this step.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int) throws {
        try summary(step: step) { s in
            for (tag, v) in values where v.isFinite {
                s.message(1) { value in
                    value.string(1, tag)
                    value.float(2, Float(v))
                }
            }
        }
    }

    /// A histogram of `values` on `bins` equal-width buckets (TensorBoard's histogram and
    /// distribution tabs).
    public func histogram(_ tag: String, values: [Double], step: Int, bins: Int = 30) throws {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return }
        let edges = Histogram.sharedEdges([finite], bins: bins)
        let counts = Histogram(finite, edges: edges).counts
        try summary(step: step) { s in
            s.message(1) { value in
                value.string(1, tag)
                value.message(5) { h in
                    h.double(1, finite.min()!)
                    h.double(2, finite.max()!)
                    h.double(3, Double(finite.count))
                    h.double(4, finite.reduce(0, +))
                    h.double(5, finite.reduce(0) { $0 + $1 * $1 })
                    h.packedDoubles(6, Array(edges.dropFirst()))
                    h.packedDoubles(7, counts.map(Double.init))
                }
            }
        }
    }

    /// Markdown text under the text plugin (a DT_STRING scalar tensor).
    public func text(_ tag: String, _ markdown: String, step: Int) throws {
        try summary(step: step) { s in
            s.message(1) { value in
                value.string(1, tag)
                value.message(9) { meta in meta.message(1) { plugin in plugin.string(1, "text") } }
                value.message(8) { tensor in
                    tensor.int(1, 7)
                    tensor.message(2) { _ in }
                    tensor.string(8, markdown)
                }
            }
        }
    }

    func summary(step: Int, _ build: @escaping (inout ProtobufWriter) -> Void) throws {
        try write(step: step) { $0.message(5, build) }
    }

    func write(step: Int, _ what: (inout ProtobufWriter) -> Void) throws {
        var e = ProtobufWriter()
        e.double(1, Date().timeIntervalSince1970)
        e.int(2, Int64(step))
        what(&e)
        do {
            try handle.write(contentsOf: TFRecord.frame(e.bytes))
        } catch {
            throw PrefkitError("\(path): cannot write the TensorBoard event (\(error.localizedDescription))")
        }
    }
}
