import XCTest
import Foundation
import Core

/// Statistics and rendering of Core/Report against closed forms.
final class ReportStatsTests: XCTestCase {
    func testQuantilesOfOneToHundred() {
        let s = SummaryStats((1...100).map(Double.init).shuffled())
        XCTAssertEqual(s.count, 100); XCTAssertEqual(s.mean, 50.5); XCTAssertEqual(s.min, 1); XCTAssertEqual(s.max, 100)
        // numpy.quantile (linear): 1 + q · 99.
        for (q, e) in [(0.05, 5.95), (0.25, 25.75), (0.5, 50.5), (0.75, 75.25), (0.95, 95.05), (0, 1), (1, 100)] {
            XCTAssertEqual(s.quantile(q), e, accuracy: 1e-12, "q\(q)")
        }
        // Population std of 1…n: sqrt((n² − 1) / 12).
        XCTAssertEqual(s.std, ((100.0 * 100 - 1) / 12).squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(SummaryStats([]).mean.isNaN)
        XCTAssertEqual(SummaryStats([]).json["mean"], .null)
    }

    func testHistogramCounts() {
        let edges = [0.0, 1, 2, 3, 4]
        let h = Histogram([0, 0.5, 1, 1.99, 2, 3.5, 4, 4.5, -1], edges: edges)
        XCTAssertEqual(h.counts, [2, 2, 1, 2])   // the last bin is closed: 4 counts there
        XCTAssertEqual(h.outside, 2)
        let e = Histogram.sharedEdges([[0, 10], [5]], bins: 5)
        XCTAssertEqual(e, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(Histogram((0...10).map(Double.init), edges: e).counts, [2, 2, 2, 2, 3])
        let flat = Histogram.sharedEdges([[3, 3, 3]], bins: 2)
        XCTAssertEqual(flat, [2.5, 3, 3.5])
    }

    func testKSClosedForms() {
        let a = (0..<50).map { Double($0) }
        XCTAssertEqual(TwoSample.ks(a, a), 0)
        XCTAssertEqual(TwoSample.ks(a, a.map { $0 + 100 }), 1)
        // {1,2,3,4} vs {3,4,5,6}: the CDFs differ by at most 2/4.
        XCTAssertEqual(TwoSample.ks([1, 2, 3, 4], [3, 4, 5, 6]), 0.5, accuracy: 1e-15)
        XCTAssertEqual(TwoSample.ks([1, 1, 1], [1, 1]), 0)
    }

    func testBootstrapAndWinRate() {
        var rng = SplitMix64(seed: 3)
        let a = (0..<400).map { _ in Double(rng.nextGaussian()) }, b = a.map { $0 + 1 }
        let d = TwoSample.meanDifference(a, b)
        XCTAssertEqual(d.estimate, 1, accuracy: 1e-12)
        XCTAssertLessThan(d.lower, 1); XCTAssertGreaterThan(d.upper, 1)
        // Standard error of the difference ≈ sqrt(2/400) ≈ 0.07: the 95% interval is about ±0.14.
        XCTAssertEqual(d.upper - d.lower, 2 * 1.96 * (2.0 / 400).squareRoot(), accuracy: 0.05)
        XCTAssertEqual(TwoSample.meanDifference(a, b), d, "seeded bootstrap must be reproducible")
        let w = TwoSample.winRate(zip(a, b).map { ($0, $1) })
        XCTAssertEqual(w.estimate, 1); XCTAssertEqual(w.lower, 1)
        XCTAssertEqual(TwoSample.winRate([(0, 1), (1, 0), (2, 2), (0, 3)]).estimate, 0.625)
    }

    func testRenderingIsSelfContained() {
        let e = [0.0, 1, 2]
        let svg = SVGPlot.histograms(series: [.init(name: "a<b", counts: [1, 2]), .init(name: "c", counts: [2, 0])],
                                     edges: e, title: "T", xLabel: "score")
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        XCTAssertTrue(svg.contains("a&lt;b") && svg.contains(">score</text>") && svg.contains(">count</text>"))
        let lines = SVGPlot.lines(series: [.init(name: "loss", points: [(1, 0.7), (2, .nan), (3, 0.2)])], title: "L", xLabel: "step", yLabel: "loss")
        // The NaN point breaks the line into two pieces (two move-to commands), never plots "nan".
        let d = lines.components(separatedBy: "<path d=\"")[1].prefix { $0 != "\"" }
        XCTAssertEqual(d.filter { $0 == "M" }.count, 2)
        XCTAssertFalse(d.lowercased().contains("nan"))
        var page = HTMLPage(title: "R & D")
        page.figure(svg); page.table(headers: ["x"], rows: [["<1>"]])
        let html = page.render()
        XCTAssertTrue(html.contains("<title>R &amp; D</title>") && html.contains("&lt;1&gt;"))
        // Nothing fetched from the network: no scripts, links or external sources.
        for bad in ["<script", "src=", "href=", "@import"] { XCTAssertFalse(html.contains(bad), bad) }
        XCTAssertEqual(TerminalBars.bar(1, max: 2, width: 4), "██")
        XCTAssertEqual(TerminalBars.bar(1, max: 16, width: 2), "▏")
    }
}
