import Foundation

/// Histograms and bar charts for a terminal, drawn with the eighth-block characters so a
/// 40-column bar resolves 320 levels.
public enum TerminalBars {
    static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// A bar of `value / maxValue` of `width` columns.
    public static func bar(_ value: Double, max maxValue: Double, width: Int) -> String {
        guard maxValue > 0, value > 0, value.isFinite else { return "" }
        let units = Int((Swift.min(value / maxValue, 1) * Double(width * 8)).rounded())
        return String(repeating: "█", count: units / 8) + eighths[units % 8]
    }

    /// One line per bin: its range, a bar and the count.
    public static func histogram(_ h: Histogram, width: Int = 40, maxCount: Int? = nil) -> String {
        let top = Double(maxCount ?? (h.counts.max() ?? 0))
        var lines: [String] = []
        for (i, c) in h.counts.enumerated() {
            let range = String(format: "%9.3f … %9.3f", h.edges[i], h.edges[i + 1])
            let b = bar(Double(c), max: top, width: width)
            lines.append("\(range) │\(b.padding(toLength: width, withPad: " ", startingAt: 0)) \(c)")
        }
        return lines.joined(separator: "\n")
    }

    /// Labelled horizontal bars (e.g. means per file), scaled to the largest |value|.
    public static func bars(_ items: [(label: String, value: Double)], width: Int = 40) -> String {
        let top = items.map { abs($0.value) }.filter(\.isFinite).max() ?? 0
        let lw = Swift.min(32, items.map(\.label.count).max() ?? 0)
        return items.map { it in
            let label = String(it.label.prefix(lw)).padding(toLength: lw, withPad: " ", startingAt: 0)
            let sign = it.value < 0 ? "-" : " "
            return "\(label) \(sign)\(bar(abs(it.value), max: top, width: width).padding(toLength: width, withPad: " ", startingAt: 0)) \(String(format: "%.4f", it.value))"
        }.joined(separator: "\n")
    }
}
