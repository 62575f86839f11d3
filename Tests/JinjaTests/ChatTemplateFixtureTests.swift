import XCTest
import Jinja

/// Every render transformers produced for the fixture templates (renders.json, made by
/// tools/fixtures/make_chat_template_fixtures.py) must come out byte for byte, and every
/// error it raised must be raised here too.
final class ChatTemplateFixtureTests: XCTestCase {
    func testAllFixtureRendersMatchTransformers() throws {
        let fixture = try loadFixtureJSON("renders.json")
        let conversations = fixture["conversations"].objectValue
        let specials = fixture["special_tokens"].objectValue
        var renderers: [String: ChatTemplateRenderer] = [:]
        var passed = 0, failed = 0
        let cases = fixture["cases"].arrayValue
        XCTAssertGreaterThan(cases.count, 400)
        for c in cases {
            guard let name = c["template"].stringValue, let convName = c["conversation"].stringValue else {
                XCTFail("malformed case \(c.pythonRepr)"); continue
            }
            let label = "\(name) / \(convName) / agp=\(c["add_generation_prompt"].boolValue) / \(c["extra"].pythonRepr)"
            if renderers[name] == nil {
                do {
                    var tokens: [String: String] = [:]
                    for (k, v) in (specials[name] ?? .none).objectValue.pairs { tokens[k] = v.stringValue }
                    renderers[name] = try ChatTemplateRenderer(source: try readFixture(name + ".jinja"),
                                                               name: name + ".jinja", specialTokens: tokens)
                } catch {
                    XCTFail("\(name): does not parse: \(error)"); failed += 1; continue
                }
            }
            guard let renderer = renderers[name], let conv = conversations[convName] else { continue }
            var extra: [String: JinjaValue] = [:]
            for (k, v) in c["extra"].objectValue.pairs { extra[k] = v }
            let tools: [JinjaValue]? = conv["tools"].isUndefined ? nil : conv["tools"].arrayValue
            let options = JinjaRenderOptions(now: fixtureDate)
            do {
                let (out, spans) = try renderer.renderWithGenerationSpans(
                    messages: conv["messages"].arrayValue, addGenerationPrompt: c["add_generation_prompt"].boolValue,
                    tools: tools, extra: extra, options: options)
                if let error = c["error"].stringValue {
                    XCTFail("\(label): expected error \(error), rendered \(pyRepr(out))"); failed += 1; continue
                }
                let expected = c["expected"].stringValue ?? ""
                if let diff = firstDifference(out, expected) {
                    XCTFail("\(label): \(diff)"); failed += 1; continue
                }
                if case .array(let want) = c["generation_spans"] {
                    let got = spans.map { JinjaValue.array([.int($0.lowerBound), .int($0.upperBound)]) }
                    if got != want {
                        XCTFail("\(label): generation spans \(got) vs expected \(want)"); failed += 1; continue
                    }
                }
                passed += 1
            } catch let e as JinjaError {
                guard let expectedError = c["error"].stringValue else {
                    XCTFail("\(label): unexpected error \(e)"); failed += 1; continue
                }
                if c["error_type"].stringValue == "TemplateError" {
                    XCTAssertEqual(e.kind, .raised, label)
                    XCTAssertEqual(e.message, expectedError, label)
                }
                XCTAssertEqual(e.template, name + ".jinja", label)
                XCTAssertGreaterThan(e.line, 0, label)
                passed += 1
            }
        }
        print("chat template fixtures: \(passed) passed, \(failed) failed of \(cases.count) (\(renderers.count) templates)")
    }
}
