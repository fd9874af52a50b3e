/**
 * The header of the image a tile-compressed HDU holds, as readers show it (astropy's `fitsheader`,
 * CFITSIO's `fits_read_hdr` on a compressed image): the binary table's structure and compression
 * keywords give way to XTENSION = 'IMAGE' (or SIMPLE for a compressed primary), BITPIX, NAXISn of
 * the image, and the original PCOUNT, GCOUNT, CHECKSUM and DATASUM kept in their Z keywords (ZDITHER0
 * stays: a reader needs it to undo the quantization).
 */
import type { Card } from "./card.ts";
import { Header } from "./header.ts";

/** Keys of the table and of the compression convention that describe storage, not the image. */
const TABLE_OR_COMPRESSION =
  /^(XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|THEAP|TTYPE\d+|TFORM\d+|TUNIT\d+|TDIM\d+|TNULL\d+|TSCAL\d+|TZERO\d+|ZIMAGE|ZCMPTYPE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZNAME\d+|ZVAL\d+|ZQUANTIZ|ZSIMPLE|ZTENSION|ZEXTEND|ZBLOCKED|ZPCOUNT|ZGCOUNT|ZHECKSUM|ZDATASUM|ZBLANK|ZMASKCMP)$/;

export function imageHeaderOf(compressed: Header): Header {
  const image = new Header();
  const zsimple = compressed.get("ZSIMPLE");
  if (zsimple !== undefined) image.set("SIMPLE", zsimple, { comment: "file does conform to FITS standard" });
  else image.set("XTENSION", compressed.getString("ZTENSION") ?? "IMAGE", { comment: "Image extension" });
  image.set("BITPIX", compressed.get("ZBITPIX") ?? null, { comment: "array data type" });
  const axes = compressed.getInteger("ZNAXIS") ?? 0;
  image.set("NAXIS", axes, { comment: "number of array dimensions" });
  for (let k = 1; k <= axes; k++) image.set(`NAXIS${k}`, compressed.get(`ZNAXIS${k}`) ?? null);
  if (zsimple !== undefined) {
    const extend = compressed.get("ZEXTEND");
    if (extend !== undefined) image.set("EXTEND", extend);
  } else {
    image.set("PCOUNT", compressed.get("ZPCOUNT") ?? 0, { comment: "number of parameters" });
    image.set("GCOUNT", compressed.get("ZGCOUNT") ?? 1, { comment: "number of groups" });
  }
  for (const card of compressed.cards as readonly Card[]) {
    if (TABLE_OR_COMPRESSION.test(card.key)) continue;
    // The name fpack and CFITSIO give a compressed HDU that had none of its own.
    if (card.key === "EXTNAME" && card.value === "COMPRESSED_IMAGE") continue;
    image.append({ ...card });
  }
  for (const [from, to] of [
    ["ZHECKSUM", "CHECKSUM"],
    ["ZDATASUM", "DATASUM"],
  ] as const) {
    const value = compressed.get(from);
    if (value !== undefined) image.set(to, value);
  }
  return image;
}
