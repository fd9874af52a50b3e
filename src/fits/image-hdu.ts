/**
 * Building image HDUs for writing: the mandatory cards in the standard's order (FITS 4.0 §4.4.1),
 * BZERO for the unsigned conventions, the caller's cards after them, and the big-endian data.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { type Card, normalizeKey } from "./card.ts";
import { Header } from "./header.ts";
import { encodePixels, type PixelArray, storageOf } from "./pixels.ts";

/** One HDU ready to be written: its header and its data bytes (unpadded). */
export interface HduParts {
  header: Header;
  data: Uint8Array;
}

export interface ImageHduOptions {
  /** Write a primary HDU (SIMPLE) rather than an IMAGE extension. */
  primary?: boolean;
  /** Cards to carry after the mandatory ones (structural keys among them are ignored). */
  header?: Header | Iterable<Card>;
}

/** Keys that describe an HDU's structure; the writer owns them, so a caller's copies are dropped. */
const STRUCTURAL =
  /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|GROUPS|BZERO|BSCALE|TFIELDS|THEAP|END)$/;
const COMPRESSION =
  /^(ZIMAGE|ZCMPTYPE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZNAME\d+|ZVAL\d+|ZQUANTIZ|ZDITHER0|ZSIMPLE|ZTENSION|ZEXTEND|ZPCOUNT|ZGCOUNT|ZBLANK|ZSCALE|ZZERO|ZHECKSUM|ZDATASUM|TTYPE\d+|TFORM\d+|TUNIT\d+|TDIM\d+|TNULL\d+|TSCAL\d+|TZERO\d+)$/;
const CHECKSUM = /^(CHECKSUM|DATASUM)$/;

/** Whether a user card may be copied into a header the writer builds. */
export function isUserCard(card: Card, compressed = false): boolean {
  const key = normalizeKey(card.key);
  if (STRUCTURAL.test(key) || CHECKSUM.test(key)) return false;
  return !(compressed && COMPRESSION.test(key));
}

/** Appends the caller's cards (structural ones skipped) to `header`. */
export function appendUserCards(
  header: Header,
  extra: Header | Iterable<Card> | undefined,
  compressed = false,
): void {
  if (extra === undefined) return;
  for (const card of extra) if (isUserCard(card, compressed)) header.append({ ...card });
}

/** Checks a shape against a pixel count. */
export function checkShape(shape: readonly number[], length: number): void {
  const ok = shape.every((n) => Number.isSafeInteger(n) && n >= 0);
  const count = shape.length === 0 ? 0 : shape.reduce((a, b) => a * b, 1);
  if (!ok || count !== length) {
    throw new InvalidArgumentError(
      `shape ${shape.join("x")} does not match ${length} pixels (axes must be non-negative integers, axis 1 first)`,
    );
  }
}

/** An image HDU for `data` with `shape` (axis 1 first). */
export function imageHdu(
  data: PixelArray,
  shape: readonly number[],
  options: ImageHduOptions = {},
): HduParts {
  checkShape(shape, data.length);
  const { bitpix, bzero } = storageOf(data);
  const header = new Header();
  if (options.primary) header.set("SIMPLE", true, { comment: "conforms to FITS standard" });
  else header.set("XTENSION", "IMAGE", { comment: "image extension" });
  header.set("BITPIX", bitpix, { comment: "array data type" });
  header.set("NAXIS", shape.length, { comment: "number of array dimensions" });
  shape.forEach((n, k) => {
    header.set(`NAXIS${k + 1}`, n);
  });
  if (options.primary) header.set("EXTEND", true);
  else {
    header.set("PCOUNT", 0, { comment: "number of parameters" });
    header.set("GCOUNT", 1, { comment: "number of groups" });
  }
  if (bzero !== undefined) {
    header.set("BZERO", bzero, { comment: "offset for unsigned integers" });
    header.set("BSCALE", 1);
  }
  appendUserCards(header, options.header);
  return { header, data: encodePixels(data, bitpix) };
}

/** An empty primary HDU (NAXIS = 0), as afw writes before its extensions. */
export function emptyPrimaryHdu(extra?: Header | Iterable<Card>): HduParts {
  const header = new Header();
  header.set("SIMPLE", true, { comment: "conforms to FITS standard" });
  header.set("BITPIX", 8, { comment: "array data type" });
  header.set("NAXIS", 0, { comment: "number of array dimensions" });
  header.set("EXTEND", true);
  appendUserCards(header, extra);
  return { header, data: new Uint8Array(0) };
}
