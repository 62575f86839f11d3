import Foundation

/// A single self-contained HTML page (inline CSS and SVG, nothing fetched), built section by
/// section: the score comparison writes one now, the pipeline report will reuse it.
public struct HTMLPage {
    public let title: String
    private var parts: [String] = []

    public init(title: String) { self.title = title }

    public mutating func heading(_ text: String, level: Int = 2) {
        let l = Swift.min(Swift.max(level, 1), 6)
        parts.append("<h\(l)>\(escapeXML(text))</h\(l)>")
    }
    public mutating func paragraph(_ text: String) { parts.append("<p>\(escapeXML(text))</p>") }
    /// Markup made by SVGPlot (trusted, not escaped).
    public mutating func figure(_ svg: String, caption: String? = nil) {
        parts.append("<figure>\(svg)" + (caption.map { "<figcaption>\(escapeXML($0))</figcaption>" } ?? "") + "</figure>")
    }
    public mutating func table(headers: [String], rows: [[String]]) {
        var s = "<div class=\"scroll\"><table><thead><tr>" + headers.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows { s += "<tr>" + r.map { "<td>\(escapeXML($0))</td>" }.joined() + "</tr>" }
        parts.append(s + "</tbody></table></div>")
    }
    public mutating func preformatted(_ text: String) { parts.append("<pre>\(escapeXML(text))</pre>") }

    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeXML(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:960px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
        table{border-collapse:collapse;font-size:13px;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
        th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.scroll{overflow-x:auto}
        figure{margin:1em 0}figcaption{font-size:12px;color:#555}pre{background:#f7f7f7;padding:.5em;overflow-x:auto}
        </style></head><body>
        <h1>\(escapeXML(title))</h1>
        \(parts.joined(separator: "\n"))
        </body></html>

        """
    }
}
