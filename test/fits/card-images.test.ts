/**
 * Headers held as card images (`parseHeaderText(…, { lazy: true })`, what reads from a byte index use):
 * every card, key, type and lookup is the eager parser's, values are parsed when read, and a value the
 * parser refuses fails when it is read.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { FitsFormatError } from "../../src/errors/index.ts";
import { formatHeaderText } from "../../src/fits/header-format.ts";
import { parseHeaderText } from "../../src/fits/header-parse.ts";
import { readHeaderText, scanFits } from "../../src/fits/scan.ts";
import { EXPECTED, fixturePath } from "../support/fixtures.ts";

const text = (cards: string[]) => {
  const all = [...cards, "END"].map((c) => c.padEnd(80, " ")).join("");
  return all.padEnd(Math.ceil(all.length / 2880) * 2880, " ");
};

const MIXED = text([
  "SIMPLE  =                    T / conforms",
  "BITPIX  =                  -32",
  "NAXIS   =                    0",
  "OBJECT  = 'O''Hara  '           / who",
  "AMP     = 'A&'",
  "COMMENT   FITS (Flexible Image Transport System) format is defined",
  "HISTORY made by hand",
  "        blank key commentary",
  "NOVALUE   text without a value indicator",
  "HIERARCH ESO DET  CHIP = 3 / chip",
  "HIERARCH no equals sign here",
  "lower   =                  1.5",
  "BIG     =  9223372036854775807",
  "X       =             1.5D-300",
  "Z       = (1.5, -2.0E1)",
  "U       =                      / undefined",
  "REPEAT  =                    1",
  "REPEAT  =                    2",
]);

describe("headers held as card images", () => {
  test("the same cards, keys, types and lookups as the eager parser, fixtures included", async () => {
    const texts = [MIXED];
    for (const file of EXPECTED.slice(0, 6)) {
      if (file.file.endsWith(".gz")) continue;
      const source = new FileSource(fixturePath(file.file));
      try {
        const scanned = await scanFits(source);
        for (const hdu of scanned.hdus) {
          const found = await readHeaderText(source, hdu.headerOffset, scanned.size, {
            uri: "",
            hdu: hdu.index,
          });
          texts.push(found!.text);
        }
      } finally {
        await source.close();
      }
    }
    for (const t of texts) {
      const eager = parseHeaderText(t, { offset: 0 });
      const lazy = parseHeaderText(t, { offset: 0 }, { lazy: true });
      assert.equal(lazy.length, eager.length);
      for (let i = 0; i < eager.length; i++) {
        assert.equal(lazy.keyAt(i), eager.cards[i]!.key);
        assert.equal(lazy.isCommentaryAt(i), eager.cards[i]!.type === "commentary");
      }
      for (const card of eager.cards) {
        assert.deepEqual(lazy.getCard(card.key), eager.getCard(card.key), card.key);
        assert.deepEqual(lazy.getAll(card.key), eager.getAll(card.key), card.key);
      }
      assert.deepEqual(lazy, eager, "deep equality sees the cards");
      assert.deepEqual([...lazy], eager.cards);
      assert.equal(formatHeaderText(lazy), formatHeaderText(eager), "written back byte for byte");
    }
  });

  test("a key lookup parses only its card; a refused value fails when it is read", () => {
    const bad = text([
      "SIMPLE  =                    T",
      "GOOD    =                    1",
      "BAD     = 'unterminated",
    ]);
    assert.throws(() => parseHeaderText(bad), FitsFormatError);
    const lazy = parseHeaderText(bad, { uri: "f.fits", offset: 2880 }, { lazy: true });
    assert.equal(lazy.get("GOOD"), 1);
    assert.equal(lazy.has("BAD"), true);
    assert.throws(
      () => lazy.get("BAD"),
      (err: unknown) =>
        err instanceof FitsFormatError &&
        /unterminated string value/.test(err.message) &&
        /f\.fits, card 3, byte 3040/.test(err.message),
    );
    assert.throws(() => lazy.cards, FitsFormatError);
  });

  test("a non-printable byte fails when its card is read", () => {
    const bad = text([
      "SIMPLE  =                    T",
      "GOOD    =                    1",
      "BAD     = 'a\u0001b'",
    ]);
    assert.throws(() => parseHeaderText(bad), /non-printable character \(code 1\)/);
    const lazy = parseHeaderText(bad, { offset: 0 }, { lazy: true });
    assert.equal(lazy.get("GOOD"), 1);
    assert.throws(() => lazy.get("BAD"), /non-printable character \(code 1\) \(card 3, byte 172\)/);
    const inKey = text(["SIMPLE  =                    T", "B\u0001D     =                    1"]);
    assert.throws(() => parseHeaderText(inKey, {}, { lazy: true }), /non-printable character/);
  });

  test("invalid keywords fail at once, as in the eager parser", () => {
    const bad = text(["SIMPLE  =                    T", "BA$D    =                    1"]);
    assert.throws(() => parseHeaderText(bad, {}, { lazy: true }), /invalid keyword 'BA\$D'/);
    const hierarch = text(["SIMPLE  =                    T", "HIERARCH  = 1"]);
    assert.throws(() => parseHeaderText(hierarch, {}, { lazy: true }), /HIERARCH card without a keyword/);
  });

  test("long strings over CONTINUE cards are parsed at once, as one card", () => {
    const long = text([
      "SIMPLE  =                    T",
      "LONG    = 'abc&'",
      "CONTINUE  'def'",
      "CONTINUE  'x' / stray",
    ]);
    const lazy = parseHeaderText(long, {}, { lazy: true });
    assert.deepEqual(lazy.cards, parseHeaderText(long).cards);
    assert.equal(lazy.get("LONG"), "abcdef");
  });

  test("pick copies the chosen cards; changes on either side stay there", () => {
    const source = parseHeaderText(MIXED, {}, { lazy: true });
    const object = source.getCard("OBJECT")!;
    const picked = source.pick([3, 4, 9]);
    assert.deepEqual(
      picked.cards.map((c) => c.key),
      ["OBJECT", "AMP", "ESO DET CHIP"],
    );
    assert.equal(picked.get("AMP"), "A&", "a trailing '&' with no CONTINUE is text");
    assert.notEqual(picked.getCard("OBJECT"), object, "a copy, not the source's card");
    picked.set("OBJECT", "changed");
    picked.append({ key: "NEW", type: "integer", value: 1 });
    assert.equal(source.get("OBJECT"), "O'Hara");
    assert.equal(source.has("NEW"), false);
    source.getCard("AMP")!.value = "mutated";
    assert.equal(picked.get("AMP"), "A&");
    const eagerPick = parseHeaderText(MIXED).pick([3, 4, 9]);
    assert.deepEqual(parseHeaderText(MIXED, {}, { lazy: true }).pick([3, 4, 9]), eagerPick);
  });

  test("changes to a header held as images apply to its parsed cards", () => {
    const lazy = parseHeaderText(MIXED, {}, { lazy: true });
    const eager = parseHeaderText(MIXED);
    for (const h of [lazy, eager]) {
      h.set("REPEAT", 5);
      h.delete("HISTORY");
      h.insert(1, { key: "FIRST", type: "logical", value: true });
    }
    assert.deepEqual(lazy.cards, eager.cards);
    assert.deepEqual(lazy.toRecord(), eager.toRecord());
    assert.deepEqual(lazy.getAll("REPEAT"), [5, 2]);
  });
});
