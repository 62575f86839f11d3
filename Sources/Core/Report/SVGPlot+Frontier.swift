import Foundation

extension SVGPlot {
    /// One point of a frontier: its position, the spread over seeds (0: one seed) and a label.
    public struct FrontierPoint {
        public var x: Double, y: Double, xErr: Double, yErr: Double, label: String
        public init(x: Double, y: Double, xErr: Double = 0, yErr: Double = 0, label: String) {
            self.x = x
            self.y = y
            self.xErr = xErr
            self.yErr = yErr
            self.label = label
        }
    }

    public struct FrontierSeries {
        public var name: String, points: [FrontierPoint]
        public init(name: String, points: [FrontierPoint]) {
            self.name = name
            self.points = points
        }
    }

    /// Reward against KL, the DPO paper's frontier: one line per series through its points in
    /// x order, each point labelled (β) with ± error bars in both directions, plus an optional
    /// reference marker (the starting policy at KL 0). When the x values span more than two
    /// decades (small β drives KL to hundreds of nats), x is drawn on a log(1 + x) axis so the
    /// region near the reference stays readable.
    public static func frontier(series: [FrontierSeries], reference: FrontierPoint? = nil, title: String,
                                xLabel: String, yLabel: String) -> String {
        let xMax = series.flatMap(\.points).map(\.x).filter(\.isFinite).max() ?? 0
        guard xMax > 100 else { return frontierLinear(series: series, reference: reference, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: nil) }
        func t(_ v: Double) -> Double { v >= 0 ? log10(1 + v) : -log10(1 - v) }
        func warp(_ p: FrontierPoint) -> FrontierPoint {
            // Error bars become asymmetric on a log axis; draw the larger side.
            let err = Swift.max(t(p.x + p.xErr) - t(p.x), t(p.x) - t(p.x - p.xErr))
            return FrontierPoint(x: t(p.x), y: p.y, xErr: err, yErr: p.yErr, label: p.label)
        }
        let warped = series.map { FrontierSeries(name: $0.name, points: $0.points.map(warp)) }
        var ticks: [(at: Double, label: String)] = []
        var v = 1.0
        ticks.append((0, "0"))
        while v <= xMax * 1.5 {
            for m in [1.0, 3.0] where v * m <= xMax * 1.5 { ticks.append((t(v * m), SVGPlot.label(v * m))) }
            v *= 10
        }
        return frontierLinear(series: warped, reference: reference.map(warp), title: title, xLabel: xLabel + " (log scale)",
                              yLabel: yLabel, xTicks: ticks)
    }

    static func frontierLinear(series: [FrontierSeries], reference: FrontierPoint?, title: String,
                               xLabel: String, yLabel: String, xTicks: [(at: Double, label: String)]?) -> String {
        var pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        if let r = reference { pts.append(r) }
        let xs = pts.flatMap { [$0.x - $0.xErr, $0.x + $0.xErr] }
        let ys = pts.flatMap { [$0.y - $0.yErr, $0.y + $0.yErr] }
        var (x0, x1) = (Swift.min(0, xs.min() ?? 0), xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 - x0 < 1e-12 { x1 = x0 + 1 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let xPad = (x1 - x0) * 0.06
        let yPad = (y1 - y0) * 0.08
        x0 -= xPad
        x1 += xPad
        var f = Frame(title: title, xLabel: xLabel, yLabel: yLabel, x: (x0, x1), y: (y0 - yPad, y1 + yPad))
        f.xTicks = xTicks
        for (k, s) in series.enumerated() {
            let ordered = s.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            let path = ordered.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(f.px(p.x)),\(f.py(p.y))" }.joined(separator: " ")
            f.body += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color(k))\" stroke-width=\"1.8\"/>\n"
            for p in ordered {
                f.body += errorBars(p, f, color(k))
                f.body += "<circle cx=\"\(f.px(p.x))\" cy=\"\(f.py(p.y))\" r=\"3.5\" fill=\"\(color(k))\"/>"
                f.body += "<text x=\"\(f.px(p.x))\" y=\"\(f.py(p.y))\" dx=\"5\" dy=\"-6\" font-size=\"10\" fill=\"\(color(k))\">\(escapeXML(p.label))</text>\n"
            }
        }
        if let r = reference, r.x.isFinite, r.y.isFinite {
            f.body += errorBars(r, f, "#000")
            f.body += "<rect x=\"\(fmt(Double(f.px(r.x))! - 4))\" y=\"\(fmt(Double(f.py(r.y))! - 4))\" width=\"8\" height=\"8\" fill=\"#000\"/>"
            f.body += "<text x=\"\(f.px(r.x))\" y=\"\(f.py(r.y))\" dx=\"7\" dy=\"12\" font-size=\"10\">\(escapeXML(r.label))</text>\n"
        }
        return f.render(legend: series.map(\.name))
    }

    static func errorBars(_ p: FrontierPoint, _ f: Frame, _ c: String) -> String {
        var s = ""
        if p.xErr > 0 {
            s += "<line x1=\"\(f.px(p.x - p.xErr))\" x2=\"\(f.px(p.x + p.xErr))\" y1=\"\(f.py(p.y))\" y2=\"\(f.py(p.y))\" stroke=\"\(c)\" stroke-opacity=\"0.6\"/>"
        }
        if p.yErr > 0 {
            s += "<line x1=\"\(f.px(p.x))\" x2=\"\(f.px(p.x))\" y1=\"\(f.py(p.y - p.yErr))\" y2=\"\(f.py(p.y + p.yErr))\" stroke=\"\(c)\" stroke-opacity=\"0.6\"/>"
        }
        return s
    }
}
