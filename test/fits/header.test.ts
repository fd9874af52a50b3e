import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { FitsFormatError } from "../../src/errors/index.ts";
import { parseCardImage } from "../../src/fits/card-parse.ts";
import { inflateIfGzip } from "../../src/fits/fits-file.ts";
import { Header, makeCard } from "../../src/fits/header.ts";
import { formatCard, formatFloat, formatHeader, formatHeaderText } from "../../src/fits/header-format.ts";
import { asciiText, parseHeader, parseHeaderText } from "../../src/fits/header-parse.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { EXPECTED, fixturePath } from "../support/fixtures.ts";

const card = (text: string) => parseCardImage(text.padEnd(80, " "), {});

describe("card values", () => {
  test("logical, integer, float with D exponent, complex, undefined", () => {
    assert.equal(card("SIMPLE  =                    T").value, true);
    assert.equal(card("FLAG    =                    F / no").value, false);
    assert.equal(card("NAXIS1  =                 4096").value, 4096);
    assert.equal(card("BIG     =  9223372036854775807").value, 9223372036854775807n);
    assert.equal(card("NEG     = -9223372036854775808").value, -9223372036854775808n);
    assert.equal(card("X       =             1.5D-300").value, 1.5e-300);
    assert.equal(card("Y       =                 -2.E3").value, -2000);
    const y = card("Y       =                  1.0");
    assert.equal(y.type, "float");
    assert.deepEqual(card("Z       = (1.5, -2.0E1)").value, { re: 1.5, im: -20 });
    assert.equal(card("U       =                      / undefined").value, null);
    assert.equal(card("U       =                      / undefined").type, "undefined");
  });

  test("strings: doubled quotes, leading blanks kept, trailing dropped, blank string, comment", () => {
    const c = card("OBJECT  = 'O''Hara  '           / who");
    assert.equal(c.value, "O'Hara");
    assert.equal(c.comment, "who");
    assert.equal(card("S       = '  lead'").value, "  lead");
    assert.equal(card("S       = '        '").value, " ");
    assert.equal(card("S       = ''").value, "");
  });

  test("commentary cards and keys without a value indicator", () => {
    assert.deepEqual(
      {
        key: card("COMMENT   hello").key,
        type: card("COMMENT   hello").type,
        text: card("COMMENT   hello").comment,
      },
      { key: "COMMENT", type: "commentary", text: "  hello" },
    );
    assert.equal(card("HISTORY = not a value").type, "commentary");
    assert.equal(card("").key, "");
    assert.equal(card("NOVALUE  just text").type, "commentary");
  });

  test("HIERARCH keys with spaces and dashes", () => {
    const c = card("HIERARCH ESO DET CHIP-1 TEMP = -120.5 / kelvin");
    assert.equal(c.key, "ESO DET CHIP-1 TEMP");
    assert.equal(c.value, -120.5);
    assert.equal(c.hierarch, true);
  });

  test("malformed values and non-ASCII bytes are FitsFormatErrors naming the card", () => {
    assert.throws(
      () => parseCardImage("X       = 12abc".padEnd(80), { card: 7 }),
      (e: unknown) => {
        return e instanceof FitsFormatError && e.card === 7 && /12abc/.test(e.message);
      },
    );
    assert.throws(() => card("X       = 'unterminated"), FitsFormatError);
    assert.throws(() => card("X       = 1\u0001"), FitsFormatError);
  });
});

describe("header parsing", () => {
  test("CONTINUE joins long strings and comments; repeated keys are kept", () => {
    const text = [
      "LONG    = 'first part &'       / c1",
      "CONTINUE  'second part&'",
      "CONTINUE  ' end'               / c2",
      "AR_NAME = 'A'",
      "AR_NAME = 'B'",
      "END",
    ]
      .map((l) => l.padEnd(80))
      .join("");
    const header = parseHeaderText(text);
    assert.equal(header.get("LONG"), "first part second part end");
    assert.equal(header.getCard("LONG")!.comment, "c1c2");
    assert.deepEqual(header.getAll("ar_name"), ["A", "B"]);
    assert.equal(header.length, 3);
  });

  test("a header without END is a FitsFormatError", () => {
    assert.throws(() => parseHeaderText("SIMPLE  =                    T".padEnd(80)), FitsFormatError);
  });
});

describe("header writing", () => {
  test("every value type survives a round trip", () => {
    const header = new Header()
      .set("SIMPLE", true)
      .set("INT", 42)
      .set("BIG", 2n ** 63n - 1n)
      .set("FLOAT", 1, { type: "float" })
      .set("TINY", 1.2345678901234568e-300)
      .set("CPLX", { re: 1.5, im: -2 })
      .set("UNDEF", null, { comment: "no value" })
      .set("QUOTE", "it's")
      .set("NANVAL", Number.NaN)
      .set("POSINF", Number.POSITIVE_INFINITY)
      .set("NEGINF", Number.NEGATIVE_INFINITY)
      .set("EXPINFO_V", 2)
      .set("LSST BUTLER DATAID DETECTOR", 16)
      .set("LONGSTR", `${"x".repeat(200)}'q'${"y".repeat(50)}`, { comment: "a long string" })
      .addComment("a comment")
      .addHistory("h".repeat(100));
    const text = formatHeaderText(header);
    assert.equal(text.length % 2880, 0);
    const back = parseHeaderText(text);
    assert.equal(back.get("INT"), 42);
    assert.equal(back.get("BIG"), 2n ** 63n - 1n);
    assert.equal(back.getCard("FLOAT")!.type, "float");
    assert.equal(back.get("TINY"), 1.2345678901234568e-300);
    assert.deepEqual(back.get("CPLX"), { re: 1.5, im: -2 });
    assert.equal(back.get("UNDEF"), null);
    assert.equal(back.get("QUOTE"), "it's");
    assert.equal(back.get("NANVAL"), "NAN");
    assert.ok(Number.isNaN(back.getNumber("NANVAL")!));
    assert.equal(back.get("POSINF"), "+INFINITY");
    assert.equal(back.getNumber("NEGINF"), Number.NEGATIVE_INFINITY);
    assert.equal(back.get("EXPINFO_V"), 2);
    assert.equal(back.getCard("EXPINFO_V")!.hierarch, true);
    assert.equal(back.get("LSST BUTLER DATAID DETECTOR"), 16);
    assert.equal(back.get("LONGSTR"), `${"x".repeat(200)}'q'${"y".repeat(50)}`);
    assert.equal(back.getCard("LONGSTR")!.comment, "a long string");
    // The history card was split over two cards of 72 characters; both survive.
    assert.equal(back.cards.filter((c) => c.key === "HISTORY").length, 2);
    // Writing the parsed header again gives the same bytes.
    assert.equal(formatHeaderText(back), text);
  });

  test("fixed format: values end in column 30, strings start in column 11", () => {
    const [intImage] = formatCard(makeCard("NAXIS1", 64, { comment: "width" }));
    assert.equal(intImage, "NAXIS1  =                   64 / width".padEnd(80));
    const [strImage] = formatCard(makeCard("EXTNAME", "IMAGE"));
    assert.equal(strImage, "EXTNAME = 'IMAGE   '".padEnd(80));
    assert.equal(formatFloat(1), "1.0");
    assert.equal(formatFloat(1e-300), "1.0E-300");
    assert.equal(formatFloat(-0), "-0.0");
  });

  test("a value that cannot fit and non-ASCII text are typed errors", () => {
    assert.throws(() => formatHeader(new Header().set("OBJECT", "caf\u00e9")), /printable ASCII/);
  });
});

describe("every fixture header round-trips byte for byte", () => {
  for (const expected of EXPECTED) {
    test(expected.file, async () => {
      const source = await inflateIfGzip(new FileSource(fixturePath(expected.file)));
      const index = await scanFits(source);
      for (const [i, hdu] of index.hdus.entries()) {
        const original = await source.read(hdu.headerOffset, hdu.headerLength);
        const reparsed = parseHeader(original);
        assert.equal(asciiText(formatHeader(reparsed)), asciiText(original), `HDU ${i}`);
        // A header rebuilt from values only (no original images) parses to the same values.
        const rebuilt = new Header(reparsed.cards.map(({ images: _images, ...rest }) => rest));
        const again = parseHeaderText(formatHeaderText(rebuilt));
        assert.deepEqual(again.toRecord(), reparsed.toRecord(), `HDU ${i} values`);
      }
      await source.close?.();
    });
  }
  test("the fixtures list is readable", () => {
    assert.ok(readFileSync(fixturePath("real/MANIFEST.md"), "utf8").length > 0);
  });
});
