import Core
import XCTest

final class TokenizerPromptTemplateTests: XCTestCase {
    func testPlain() {
        XCTAssertEqual(PromptTemplate.plain.formatPrompt("Hi there"), "Hi there")
        XCTAssertEqual(PromptTemplate.plain.completionSuffix, "")
    }

    func testChatMLMatchesFixturePrompt() throws {
        let prompt = PromptTemplate.chatml.formatPrompt("What is 2+2?", system: "You are a helpful assistant.")
        XCTAssertEqual(prompt, "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(PromptTemplate.chatml.formatPrompt("Say hello in Chinese."),
                       "<|im_start|>user\nSay hello in Chinese.<|im_end|>\n<|im_start|>assistant\n")
        // The fixture's DPO prompts are exactly this template.
        let dpo = try XCTUnwrap(try tokLoadRef("qwen2-tiny")["dpo"] as? [String: Any])
        let first = try XCTUnwrap((dpo["triples"] as? [[String: Any]])?.first)
        XCTAssertEqual(PromptTemplate.chatml.formatPrompt("What is 2+2?"), first["prompt"] as? String)
    }

    func testChatMLMessages() {
        let text = PromptTemplate.chatml.formatMessages([(role: "user", content: "Hi"), (role: "assistant", content: "Hello")],
                                                        addGenerationPrompt: false)
        XCTAssertEqual(text, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n")
    }

    func testQA() {
        XCTAssertEqual(PromptTemplate.qa.formatPrompt("Why?"), "Question: Why?\n\nAnswer: ")
        XCTAssertEqual(PromptTemplate(rawValue: "qa"), .qa)
        XCTAssertEqual(PromptTemplate.allCases.count, 3)
    }
}
