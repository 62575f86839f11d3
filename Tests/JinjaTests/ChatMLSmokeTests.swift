import Jinja
import XCTest

/// The simplest real template (qwen2-tiny's ChatML) renders as transformers renders it.
final class ChatMLSmokeTests: XCTestCase {
    func testChatMLConversation() throws {
        let source = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
        let t = try JinjaTemplate(source, name: "chatml")
        let messages: JinjaValue = [["role": "user", "content": "Hi"]]
        let out = try t.render(["messages": messages, "add_generation_prompt": true])
        XCTAssertEqual(out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}
