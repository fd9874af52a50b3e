/**
 * The values of chosen header keys of a stored file, read through its byte index: the headers the
 * keys need (the primary's, and named HDUs') in one ranged read when they lie together, as they do in
 * afw's layout. Values keep their FITS type; a key absent from the header is null. A file that is not
 * FITS has no header, so every key is null.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import type { CardValue } from "../fits/card.ts";
import type { Header } from "../fits/header.ts";
import type { HeaderKeySpec, TypedHeaderValue } from "../fits/header-key.ts";
import { parseHeader } from "../fits/header-parse.ts";
import { scanFits } from "../fits/scan.ts";
import type { ByteIndex, FitsHduIndex } from "./byte-index.ts";

/** Gaps between needed headers up to this are read rather than split into a second request. */
const MAX_GAP = 256 * 1024;

/**
 * Reads the keys' values from `source`. `index` is the record's byte index (null: the headers are
 * found by scanning, header blocks only). Keys of an HDU the file lacks are null.
 */
export async function readHeaderValues(
  source: ByteSource,
  index: ByteIndex | null,
  keys: readonly HeaderKeySpec[],
): Promise<Map<string, TypedHeaderValue>> {
  const out = new Map<string, TypedHeaderValue>(keys.map((k) => [k.name, null]));
  if (keys.length === 0 || (index !== null && index.kind !== "fits")) return out;
  const headers =
    index === null ? await scannedHeaders(source, keys) : await indexedHeaders(source, index.hdus, keys);
  for (const spec of keys) {
    const header = headers.get(spec.hdu ?? 0);
    if (header !== undefined) out.set(spec.name, typedValue(header, spec.key));
  }
  return out;
}

/** The headers the keys name, by HDU name or number (0: primary), fetched in as few reads as sensible. */
async function indexedHeaders(
  source: ByteSource,
  hdus: readonly FitsHduIndex[],
  keys: readonly HeaderKeySpec[],
): Promise<Map<string | number, Header>> {
  const wanted = new Map<string | number, FitsHduIndex>();
  for (const spec of keys) {
    const at = spec.hdu ?? 0;
    const hdu = hdus[hduPosition(hdus, at)];
    if (hdu !== undefined) wanted.set(at, hdu);
  }
  const spans = [...new Set(wanted.values())].sort((a, b) => a.headerOffset - b.headerOffset);
  const reads: { offset: number; end: number; hdus: FitsHduIndex[] }[] = [];
  for (const hdu of spans) {
    const last = reads[reads.length - 1];
    const end = hdu.headerOffset + hdu.headerLength;
    if (last !== undefined && hdu.headerOffset - last.end <= MAX_GAP) {
      last.end = Math.max(last.end, end);
      last.hdus.push(hdu);
    } else reads.push({ offset: hdu.headerOffset, end, hdus: [hdu] });
  }
  const parsed = new Map<FitsHduIndex, Header>();
  for (const read of reads) {
    const bytes = await source.read(read.offset, read.end - read.offset);
    for (const hdu of read.hdus) {
      const start = hdu.headerOffset - read.offset;
      parsed.set(hdu, parseHeader(bytes.subarray(start, start + hdu.headerLength), { uri: source.key }));
    }
  }
  return new Map([...wanted].map(([at, hdu]) => [at, parsed.get(hdu)!]));
}

/** Where the HDU a key names (a number, or a name matched as the index records it) is; -1 if absent. */
function hduPosition(hdus: readonly FitsHduIndex[], at: string | number): number {
  if (typeof at === "number") return at < hdus.length ? at : -1;
  return hdus.findIndex(
    (h) => h.name?.toUpperCase() === at || (h.name === undefined && h.exttype?.toUpperCase() === at),
  );
}

/**
 * The keys' values from headers already parsed (`headers[i]` is the header of `index.hdus[i]`), as
 * `readHeaderValues` would read them through the index.
 */
export function valuesFromHeaders(
  index: ByteIndex,
  headers: readonly Header[],
  keys: readonly HeaderKeySpec[],
): Map<string, TypedHeaderValue> {
  const out = new Map<string, TypedHeaderValue>(keys.map((k) => [k.name, null]));
  if (index.kind !== "fits") return out;
  for (const spec of keys) {
    const header = headers[hduPosition(index.hdus, spec.hdu ?? 0)];
    if (header !== undefined) out.set(spec.name, typedValue(header, spec.key));
  }
  return out;
}

async function scannedHeaders(
  source: ByteSource,
  keys: readonly HeaderKeySpec[],
): Promise<Map<string | number, Header>> {
  const onlyPrimary = keys.every((k) => k.hdu === undefined);
  const scan = await scanFits(source, onlyPrimary ? { maxHdus: 1 } : {});
  const out = new Map<string | number, Header>();
  scan.hdus.forEach((hdu, i) => {
    const header = scan.headers[i]!;
    out.set(i, header);
    const name = (hdu.extname ?? hdu.exttype)?.toUpperCase();
    if (name !== undefined && !out.has(name)) out.set(name, header);
  });
  return out;
}

/** The value of `key` in `header` with its FITS type (complex values as their text). */
export function typedValue(header: Header, key: string): TypedHeaderValue {
  const card = header.getCard(key);
  return card === undefined ? null : cardTypedValue(card.type, card.value);
}

function cardTypedValue(type: string, value: CardValue | undefined): TypedHeaderValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "logical":
      return { type: "logical", value: value as boolean };
    case "integer":
      return { type: "integer", value: value as number | bigint };
    case "float":
      return { type: "float", value: value as number };
    case "string":
      return { type: "string", value: value as string };
    default:
      return typeof value === "object" ? { type: "string", value: `(${value.re}, ${value.im})` } : null;
  }
}
