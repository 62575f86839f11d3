import Core
import XCTest

final class IOJSONTests: XCTestCase {
    func testValidInputs() throws {
        let table: [(String, JSONValue)] = [
            ("null", .null), ("true", true), (" false ", false),
            ("0", 0), ("-0", .number(-0.0)), ("42", 42), ("-17", -17),
            ("3.25", 3.25), ("1e3", 1000), ("1E-2", 0.01), ("-2.5e+2", -250),
            ("12345678901234567890", .number(12345678901234567890.0)),
            ("9007199254740993", .number(9007199254740992)),
            ("\"\"", ""), ("\"plain\"", "plain"),
            (#""esc \" \\ \/ \b \f \n \r \t""#, "esc \" \\ / \u{08} \u{0C} \n \r \t"),
            (#""\u0041\u00e9\u4e2d""#, "Aé中"),
            (#""\ud83d\ude00""#, "😀"),
            ("\"héllo wörld 😀\"", "héllo wörld 😀"),
            ("[]", []), ("{}", [:]), ("[1,[2,[3]]]", [1, [2, [3]]]),
            ("\t\r\n{ \"b\" : 1 , \"a\" : [ true , null ] }\n", ["b": 1, "a": [true, nil]]),
            ("\u{FEFF}{\"bom\":1}", ["bom": 1]),
        ]
        for (text, expected) in table {
            XCTAssertEqual(try JSONValue.parse(text), expected, text)
            XCTAssertEqual(try JSONValue.parse(Array(text.utf8)), expected, text)
        }
    }

    func testInvalidInputs() {
        let table: [(String, String)] = [
            ("", "unexpected end of input"), ("   ", "unexpected end of input"),
            ("nul", "invalid literal"), ("True", "unexpected character 'T'"),
            ("01", "leading zeros"), ("-", "expected a digit"), ("1.", "after '.'"), (".5", "unexpected"),
            ("1e", "exponent"), ("+1", "unexpected"), ("1e400", "out of range"),
            ("[1,]", "unexpected character ']'"), ("[1 2]", "expected ','"), ("{\"a\" 1}", "expected ':'"),
            ("{a:1}", "expected a string key"), ("{\"a\":1,}", "expected a string key"),
            ("[1", "end of input"), ("{\"a\":1", "end of input"),
            ("\"abc", "unterminated string"), ("\"a\tb\"", "control character"),
            (#""\x""#, "invalid escape"), (#""\u12G4""#, "invalid hex"), (#""\u12""#, "escape"),
            (#""\ud83d""#, "unpaired surrogate"), (#""\ude00""#, "unpaired surrogate"),
            (#""\ud83d\u0041""#, "unpaired surrogate"),
            ("{} x", "after the JSON value"), ("1 2", "after the JSON value"), ("[] []", "after the JSON value"),
            ("NaN", "unexpected"), ("Infinity", "unexpected"),
        ]
        for (text, fragment) in table {
            ioAssertThrows(try JSONValue.parse(text), fragment)
        }
        ioAssertThrows(try JSONValue.parse("[1,x]", source: "f.jsonl:3"), "f.jsonl:3: ", "column 4")
    }

    func testInvalidUTF8Refused() {
        let table: [[UInt8]] = [
            [0x22, 0xC3, 0x28, 0x22],        // bad continuation
            [0x22, 0xC0, 0xAF, 0x22],        // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-16 surrogate encoded in UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
            [0x22, 0xE2, 0x82],              // truncated sequence
            [0x22, 0xFF, 0x22],
            [0xC3, 0xA9],                    // non-ASCII outside a string
        ]
        for bytes in table {
            XCTAssertThrowsError(try JSONValue.parse(bytes), "\(bytes)")
        }
        ioAssertThrows(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]), "UTF-8")
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSONValue.parse(ok))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        ioAssertThrows(try JSONValue.parse(deep), "nesting deeper than 512")
        let deepObjects = String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)
        ioAssertThrows(try JSONValue.parse(deepObjects), "nesting")
        // Far deeper than the limit must still be an error, not a stack overflow.
        ioAssertThrows(try JSONValue.parse(String(repeating: "[", count: 1_000_000)), "nesting")
    }

    func testSerializer() throws {
        let cases: [(JSONValue, String)] = [
            (.null, "null"), (true, "true"), (3, "3"), (-0.0, "0"), (0.5, "0.5"), (-1e-7, "-1e-07"),
            (.number(1e300), "1e+300"), (.number(9007199254740992), "9007199254740992.0"),
            (.number(.nan), "null"), (.number(.infinity), "null"), (.number(-.infinity), "null"),
            ("a\"b\\c\n\u{01}\u{1F}é😀", #""a\"b\\c\n\u0001\u001fé😀""#),
            (["z": 1, "a": [1, "x", nil], "m": [:]], #"{"z":1,"a":[1,"x",null],"m":{}}"#),
        ]
        for (value, text) in cases {
            XCTAssertEqual(value.serialized(), text)
        }
        let complex: JSONValue = [
            "prompt": "Line1\nLine2\t\"quoted\" \u{7F} \u{00}", "chosen": ["role": "assistant", "n": 12],
            "scores": [0.1, -2.5, 1e-300, 123456789012, 1.7976931348623157e308], "ok": false, "none": nil,
        ]
        let text = complex.serialized()
        XCTAssertFalse(text.contains("\n"))
        XCTAssertEqual(try JSONValue.parse(text), complex)
        XCTAssertEqual(try JSONValue.parse(complex.serializedBytes()), complex)
    }

    func testAccessors() throws {
        let v = try JSONValue.parse(#"{"s":"x","n":2,"f":1.5,"b":true,"a":[1,2],"o":{"k":null},"d":1,"d":2}"#)
        XCTAssertEqual(v["s"]?.stringValue, "x")
        XCTAssertEqual(v["n"]?.intValue, 2)
        XCTAssertNil(v["f"]?.intValue)
        XCTAssertEqual(v["f"]?.doubleValue, 1.5)
        XCTAssertEqual(v["b"]?.boolValue, true)
        XCTAssertEqual(v["a"]?.arrayValue?.count, 2)
        XCTAssertEqual(v["a"]?[1], 2)
        XCTAssertEqual(v["o"]?["k"]?.isNull, true)
        XCTAssertEqual(v["o"]?.objectValue?.first?.0, "k")
        XCTAssertEqual(v["d"], 2)
        XCTAssertNil(v["missing"])
        XCTAssertNil(v["s"]?.doubleValue)
        XCTAssertEqual(v.setting("n", 3)["n"], 3)
        XCTAssertEqual(v.objectValue?.map(\.0), ["s", "n", "f", "b", "a", "o", "d", "d"])
        XCTAssertNotEqual(JSONValue(dictionaryLiteral: ("a", 1), ("b", 2)), ["b": 2, "a": 1])
    }
}
