import XCTest
import Jinja

/// The hand-made templates of features.json: one construct, filter, test or method each,
/// rendered by jinja2 in transformers' environment.
final class FeatureTests: XCTestCase {
    func testFeatureTemplatesMatchJinja2() throws {
        let fixture = try loadFixtureJSON("features.json")
        var context: [String: JinjaValue] = [:]
        for (k, v) in fixture["context"].objectValue.pairs { context[k] = v }
        let features = fixture["features"].arrayValue
        XCTAssertGreaterThan(features.count, 30)
        var passed = 0
        for f in features {
            let name = f["name"].stringValue ?? "?"
            do {
                let t = try JinjaTemplate(f["source"].stringValue ?? "", name: name + ".jinja")
                let (out, spans) = try t.renderWithGenerationSpans(context, options: JinjaRenderOptions(now: fixtureDate))
                guard let expected = f["expected"].stringValue else {
                    XCTFail("\(name): expected error \(f["error"].pythonRepr), rendered \(pyRepr(out))"); continue
                }
                if let diff = firstDifference(out, expected) { XCTFail("\(name): \(diff)"); continue }
                if case .array(let want) = f["generation_spans"] {
                    let got = spans.map { JinjaValue.array([.int($0.lowerBound), .int($0.upperBound)]) }
                    XCTAssertEqual(got, want, "\(name): generation spans")
                }
                passed += 1
            } catch let e as JinjaError {
                guard let expected = f["error"].stringValue else { XCTFail("\(name): unexpected error \(e)"); continue }
                if f["error_type"].stringValue == "TemplateError" { XCTAssertEqual(e.message, expected, name) }
                XCTAssertTrue(e.description.hasPrefix(name + ".jinja:1"), "\(name): \(e)")
                passed += 1
            }
        }
        print("feature templates: \(passed) of \(features.count) passed")
    }
}
