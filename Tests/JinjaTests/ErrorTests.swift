import XCTest
import Jinja

/// Errors name the template and line, and refuse unsupported constructs by name.
final class ErrorTests: XCTestCase {
    func error(_ source: String, _ context: [String: JinjaValue] = [:]) -> JinjaError? {
        do {
            _ = try JinjaTemplate(source, name: "chat_template.jinja").render(context)
            return nil
        } catch let e as JinjaError {
            return e
        } catch {
            XCTFail("not a JinjaError: \(error)")
            return nil
        }
    }

    func testUnsupportedFilterIsRefusedByNameWithLine() {
        let e = error("line one\n{% if x %}\n{{ x | wordwrap }}\n{% endif %}")
        XCTAssertEqual(e?.kind, .unsupported)
        XCTAssertEqual(e?.line, 3)
        XCTAssertTrue(e?.description.hasPrefix("chat_template.jinja:3:") ?? false, "\(String(describing: e))")
        XCTAssertTrue(e?.description.hasSuffix("unsupported filter 'wordwrap'") ?? false, "\(String(describing: e))")
        XCTAssertEqual(error("{{ x|nosuchfilter }}")?.message, "No filter named 'nosuchfilter'.")
        XCTAssertEqual(error("{% include 'x.jinja' %}")?.message, "unsupported tag 'include'")
        XCTAssertEqual(error("{{ x is nosuchtest }}")?.message, "No test named 'nosuchtest'.")
    }

    func testSyntaxErrorsNameTemplateAndLine() {
        let cases: [(String, Int)] = [
            ("a\nb\n{% if x %}\nunclosed", 4), ("{{ 1 + }}", 1), ("\n\n{% for x %}{% endfor %}", 3),
            ("{% endif %}", 1), ("x\n{{ 'unterminated }}", 2), ("{{ (1 }}", 1), ("{% set %}", 1),
            ("{# never closed", 1), ("{% break %}", 1), ("{{ x }", 1), ("{% foo %}", 1),
        ]
        for (source, line) in cases {
            guard let e = error(source) else { XCTFail("\(pyRepr(source)) should fail"); continue }
            XCTAssertEqual(e.template, "chat_template.jinja")
            XCTAssertEqual(e.line, line, "\(pyRepr(source)): \(e)")
            XCTAssertEqual(e.kind, .syntax, "\(e)")
        }
    }

    func testRenderErrorsCarryLine() {
        let e = error("ok\n{{ messages[0].content.nope.deeper }}", ["messages": [["content": "x"]]])
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.message, "'str object' has no attribute 'nope'")
        XCTAssertEqual(error("\n\n{{ raise_exception('Bad role: ' ~ 'x') }}")?.description, "chat_template.jinja:3: Bad role: x")
        XCTAssertEqual(error("{{ 1 // 0 }}")?.message, "integer division or modulo by zero")
        XCTAssertEqual(error("{{ 'a' + 1 }}")?.message, "can only concatenate str (not \"int\") to str")
        XCTAssertEqual(error("{{ 'x'.format(1) }}")?.message, "unsupported string method 'format'")
    }

    func testLimits() {
        XCTAssertNotNil(error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"))
        XCTAssertNotNil(error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        XCTAssertNotNil(error("{{ 'x' * 100000000 }}"))
        XCTAssertNotNil(error("{{ " + String(repeating: "(", count: 10000) + "1" + String(repeating: ")", count: 10000) + " }}"))
        XCTAssertNotNil(error(String(repeating: "{% if true %}", count: 1000)))
        XCTAssertNotNil(error("{{ " + String(repeating: "not ", count: 5000) + "x }}"))
        XCTAssertNotNil(error("{{ " + String(repeating: "-", count: 5000) + "1 }}"))
        let big = JinjaRenderOptions(maxOutputBytes: 1000)
        XCTAssertThrowsError(try JinjaTemplate("{% for i in range(1000) %}xxxxxxxxxx{% endfor %}", name: "t").render([:], options: big))
    }

    func testChatRendererContext() throws {
        let r = try ChatTemplateRenderer(source: "{{ bos_token }}{% for m in messages %}{{ m|tojson }}{% endfor %}{{ tools }}{{ add_generation_prompt }}{{ flag }}",
                                         specialTokens: ["bos_token": "<s>"])
        let out = try r.render(messages: [["role": "assistant", "content": "a", "name": nil, "reasoning": "r"]],
                               addGenerationPrompt: true, extra: ["flag": 1])
        XCTAssertEqual(out, "<s>{\"thinking\": \"r\", \"role\": \"assistant\", \"content\": \"a\", \"reasoning\": \"r\", \"reasoning_content\": \"r\"}NoneTrue1")
    }
}
