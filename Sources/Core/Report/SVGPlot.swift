import Foundation

/// Self-contained SVG charts (no scripts, no fonts fetched) for HTML reports: overlaid
/// histograms on shared edges, and line charts for training curves. The SVG scales to its
/// container (viewBox, width 100%), so it reads at laptop width and in print.
public enum SVGPlot {
    public struct HistogramSeries {
        public var name: String, counts: [Int]
        public init(name: String, counts: [Int]) { self.name = name; self.counts = counts }
    }
    public struct LineSeries {
        public var name: String, points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    /// Colour-blind-safe palette (Okabe–Ito), cycled.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// Overlaid histograms: one translucent filled step outline per series, so every series
    /// stays visible where they overlap.
    public static func histograms(series: [HistogramSeries], edges: [Double], title: String, xLabel: String,
                                  yLabel: String = "count") -> String {
        let ymax = Double(series.flatMap(\.counts).max() ?? 1)
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel,
                      x: (edges.first ?? 0, edges.last ?? 1), y: (0, Swift.max(1, ymax) * 1.05))
        for (k, s) in series.enumerated() where edges.count == s.counts.count + 1 {
            var d = "M\(f.px(edges[0])),\(f.py(0))"
            for (i, c) in s.counts.enumerated() {
                d += " L\(f.px(edges[i])),\(f.py(Double(c))) L\(f.px(edges[i + 1])),\(f.py(Double(c)))"
            }
            d += " L\(f.px(edges.last!)),\(f.py(0)) Z"
            f.body += "<path d=\"\(d)\" fill=\"\(color(k))\" fill-opacity=\"0.25\" stroke=\"\(color(k))\" stroke-width=\"1.5\"/>\n"
        }
        return f.render(legend: series.map(\.name))
    }

    /// Line chart; non-finite points are skipped (a gap, not a plunge to the axis).
    public static func lines(series: [LineSeries], title: String, xLabel: String, yLabel: String) -> String {
        let pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = pts.map(\.x), ys = pts.map(\.y)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel, x: (xs.min() ?? 0, Swift.max((xs.max() ?? 1), (xs.min() ?? 0) + 1e-9)),
                      y: (y0 - pad, y1 + pad))
        for (k, s) in series.enumerated() {
            var d = "", pen = "M"
            for p in s.points {
                guard p.x.isFinite && p.y.isFinite else { pen = "M"; continue }
                d += "\(pen)\(f.px(p.x)),\(f.py(p.y)) "; pen = "L"
            }
            f.body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color(k))\" stroke-width=\"1.8\"/>\n"
        }
        return f.render(legend: series.map(\.name))
    }

    /// The plot area, axes with "nice" ticks, labels and legend shared by every chart.
    struct Frame {
        let title: String, xLabel: String, yLabel: String
        let x: (Double, Double), y: (Double, Double)
        let w = 720.0, h = 380.0, left = 64.0, right = 16.0, top = 36.0, bottom = 52.0
        var body = ""
        /// x ticks at these (plotted position, label) pairs instead of round values (log axes).
        var xTicks: [(at: Double, label: String)]? = nil

        func px(_ v: Double) -> String { fmt(left + (v - x.0) / Swift.max(x.1 - x.0, 1e-300) * (w - left - right)) }
        func py(_ v: Double) -> String { fmt(h - bottom - (v - y.0) / Swift.max(y.1 - y.0, 1e-300) * (h - top - bottom)) }

        func render(legend: [String]) -> String {
            var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"100%\" style=\"max-width:\(Int(w))px;font-family:sans-serif;font-size:12px\" role=\"img\" aria-label=\"\(escapeXML(title))\">\n"
            s += "<text x=\"\(fmt(w / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
            for t in SVGPlot.ticks(y.0, y.1) {
                s += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(w - right))\" y1=\"\(py(t))\" y2=\"\(py(t))\" stroke=\"#ddd\"/>"
                s += "<text x=\"\(fmt(left - 6))\" y=\"\(py(t))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(SVGPlot.label(t))</text>\n"
            }
            for (t, text) in xTicks ?? SVGPlot.ticks(x.0, x.1).map({ ($0, SVGPlot.label($0)) }) {
                s += "<line x1=\"\(px(t))\" x2=\"\(px(t))\" y1=\"\(fmt(h - bottom))\" y2=\"\(fmt(h - bottom + 5))\" stroke=\"#333\"/>"
                s += "<text x=\"\(px(t))\" y=\"\(fmt(h - bottom + 18))\" text-anchor=\"middle\">\(text)</text>\n"
            }
            s += body
            s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(w - left - right))\" height=\"\(fmt(h - top - bottom))\" fill=\"none\" stroke=\"#333\"/>\n"
            s += "<text x=\"\(fmt((left + w - right) / 2))\" y=\"\(fmt(h - 10))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
            s += "<text transform=\"translate(16,\(fmt((top + h - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n"
            for (i, name) in legend.enumerated() {
                let ly = top + 8 + Double(i) * 18
                s += "<rect x=\"\(fmt(w - right - 190))\" y=\"\(fmt(ly))\" width=\"12\" height=\"12\" fill=\"\(SVGPlot.color(i))\" fill-opacity=\"0.6\" stroke=\"\(SVGPlot.color(i))\"/>"
                s += "<text x=\"\(fmt(w - right - 172))\" y=\"\(fmt(ly + 10))\">\(escapeXML(String(name.suffix(28))))</text>\n"
            }
            return s + "</svg>"
        }
    }

    /// About five round tick values (1, 2, 5 × 10^k steps) inside [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [] }
        let raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var out: [Double] = []
        var t = ceil(lo / step) * step
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return abs(v) >= 1e4 || abs(v) < 1e-3 ? String(format: "%.2g", v) : String(format: "%.3g", v)
    }
    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Text safe inside XML/HTML elements and attribute values.
public func escapeXML(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
