import Foundation
import XCTest
import Jinja

/// Random mutations of the fixture templates (deleted, duplicated, swapped and inserted
/// fragments, including Jinja syntax) must parse and render or throw JinjaError: never trap,
/// never hang. The point is the absence of crashes, so outputs are not checked.
final class RobustnessTests: XCTestCase {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    func testMutatedTemplatesNeverCrash() throws {
        let dir = chatTemplateFixturesDir()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jinja") }.sorted()
        XCTAssertFalse(names.isEmpty)
        let sources = try names.map { try readFixture($0) }
        let snippets = ["{%", "%}", "{{", "}}", "{#", "#}", "-", "(", ")", "[", "]", "{", "}", "'", "\"", "|", ".", ",",
                        " if ", " else ", " for ", " in ", " not ", "endfor", "endif", "loop", "messages", "|tojson",
                        "|length", "[::-1]", " is defined", "\\", "\n", "ns.x = 1", "{% set x = x ~ x %}", "**", "//"]
        let messages: JinjaValue = [["role": "system", "content": "s"], ["role": "user", "content": "u {{x}}"],
                                    ["role": "assistant", "content": "a"]]
        let context: [String: JinjaValue] = ["messages": messages, "add_generation_prompt": true,
                                             "bos_token": "<s>", "eos_token": "</s>", "tools": .none]
        let options = JinjaRenderOptions(now: fixtureDate, maxOutputBytes: 1 << 20, maxLoopIterations: 100_000)
        var rng = Rng(state: 20_260_305)
        var rendered = 0, refused = 0
        let start = Date()
        for iteration in 0..<3000 {
            var u = Array(sources[iteration % sources.count].unicodeScalars)
            for _ in 0..<(1 + rng.below(4)) {
                let i = rng.below(u.count + 1)
                switch rng.below(4) {
                case 0: u.removeSubrange(i..<min(u.count, i + 1 + rng.below(8)))
                case 1: u.insert(contentsOf: snippets[rng.below(snippets.count)].unicodeScalars, at: i)
                case 2:
                    let j = rng.below(u.count + 1), len = rng.below(30)
                    let piece = Array(u[min(j, u.count)..<min(u.count, j + len)])
                    u.insert(contentsOf: piece, at: min(i, u.count))
                default:
                    if u.count > 2 { let j = rng.below(u.count); u.swapAt(min(i, u.count - 1), j) }
                }
            }
            let source = scalarString(u)
            do {
                let t = try JinjaTemplate(source, name: "mutant.jinja")
                _ = try t.render(context, options: options)
                rendered += 1
            } catch is JinjaError {
                refused += 1
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("robustness: \(rendered) rendered, \(refused) refused in \(String(format: "%.1f", seconds)) s")
        XCTAssertLessThan(seconds, 120)
    }

    /// Deep nesting must fail cleanly on a secondary thread's default 512 KiB stack too.
    func testDeepNestingOnSmallStack() {
        let sources = [String(repeating: "[", count: 5000), String(repeating: "{% if x %}", count: 5000),
                       "{{ " + String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60) + " }}",
                       "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"]
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            for s in sources {
                _ = try? JinjaTemplate(s, name: "deep.jinja").render([:])
            }
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
    }
}
