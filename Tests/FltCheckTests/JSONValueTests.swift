import Foundation
import FltReport
import Testing

/// `JSONValue.rendered()` (SARIF logs) writes UTF-8 bytes itself: what it escapes, how it indents,
/// and that a JSON parser reads back every string exactly.
@Suite struct JSONValueRendering {
    @Test func stringsAreEscapedAndReadBackExactly() throws {
        let texts = [
            "plain", "", "quote \" and backslash \\", "new\nline, tab\t, return\r", "control \u{01}\u{1F}",
            "UTF-8: é → 💥 READ #1", "slash / stays",
        ]
        let rendered = JSONValue.array(texts.map { .string($0) }).rendered()
        let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String]
        #expect(parsed == texts)
        #expect(rendered.contains(#""quote \" and backslash \\""#))
        #expect(rendered.contains(#""new\nline, tab\t, return\r""#))
        #expect(rendered.contains(#""control \u0001\u001f""#))
        #expect(rendered.contains("\"UTF-8: é → 💥 READ #1\""))
    }

    @Test func layoutIsTwoSpaceIndentsWithKeysInOrder() {
        let value: JSONValue = ["version": "2.1.0", "runs": [["id": 1, "ok": true, "none": nil], [], [:]], "ratio": .double(0.5)]
        #expect(value.rendered() == """
            {
              "version": "2.1.0",
              "runs": [
                {
                  "id": 1,
                  "ok": true,
                  "none": null
                },
                [],
                {}
              ],
              "ratio": 0.5
            }

            """)
    }
}
