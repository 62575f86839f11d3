import Foundation
import XCTest
import Jinja

/// Tests/Fixtures/chat_templates, found from this file's location so tests run from any directory.
func chatTemplateFixturesDir() -> String {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<6 {
        let candidate = url.appendingPathComponent("Fixtures/chat_templates").path
        if FileManager.default.fileExists(atPath: candidate + "/renders.json") { return candidate }
        let nested = url.appendingPathComponent("Tests/Fixtures/chat_templates").path
        if FileManager.default.fileExists(atPath: nested + "/renders.json") { return nested }
        url.deleteLastPathComponent()
    }
    return "/work/main/Tests/Fixtures/chat_templates"
}

func readFixture(_ name: String) throws -> String {
    let path = chatTemplateFixturesDir() + "/" + name
    guard let data = FileManager.default.contents(atPath: path) else { throw XCTSkip("missing fixture \(path)") }
    return String(decoding: data, as: UTF8.self)
}

/// A fixture JSON file, parsed with key order kept (the templates see dicts in that order).
func loadFixtureJSON(_ name: String) throws -> JinjaValue {
    try JinjaValue.parseJSON(try readFixture(name))
}

extension JinjaValue {
    subscript(_ key: String) -> JinjaValue {
        if case .object(let o) = self { return o[key] ?? .undefined(message: key) }
        return .undefined(message: key)
    }
    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var boolValue: Bool { if case .bool(let b) = self { return b }; return false }
    var arrayValue: [JinjaValue] { if case .array(let a) = self { return a }; return [] }
    var objectValue: JinjaObject { if case .object(let o) = self { return o }; return JinjaObject() }
}

/// Where two renders first differ, with both sides' surroundings, so a failure shows the
/// whitespace or character that went wrong instead of two long strings.
func firstDifference(_ got: String, _ expected: String) -> String? {
    let g = Array(got.unicodeScalars), e = Array(expected.unicodeScalars)
    var i = 0
    while i < g.count && i < e.count && g[i] == e[i] { i += 1 }
    if i == g.count && i == e.count { return nil }
    func around(_ a: [Unicode.Scalar]) -> String {
        let lo = max(0, i - 40), hi = min(a.count, i + 40)
        return pyRepr(scalarString(a[lo..<hi]))
    }
    return "first difference at code point \(i) (lengths \(g.count) vs \(e.count))\n  got:      \(around(g))\n  expected: \(around(e))"
}

let fixtureDate = JinjaDate(year: 2026, month: 3, day: 5, hour: 14, minute: 7, second: 9)

/// Python's repr of a string, as the failure messages print it.
func pyRepr(_ s: String) -> String {
    JinjaValue.string(s).pythonRepr
}

/// A String of exactly these Unicode scalars (Python's per-code-point view).
func scalarString<C: Collection>(_ u: C) -> String where C.Element == Unicode.Scalar {
    var s = ""
    s.unicodeScalars.append(contentsOf: u)
    return s
}
