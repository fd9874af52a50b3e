/**
 * Shared helpers for the image tests: fixture files opened as FitsFile (closed when the test file
 * ends) and the list of real Exposure fixtures every reader must handle.
 */
import { after } from "node:test";
import type { ByteSource } from "../../src/bytes/byte-source.ts";
import { FileSource } from "../../src/bytes/file-source.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { fixturePath } from "../support/fixtures.ts";

/** Every afw Exposure fixture, with what distinguishes it. */
export const EXPOSURE_FIXTURES = [
  "real/lsst-obs_base-calexp.fits",
  "real/lsst-afw-exposure-version-2.fits",
  "real/lsst-afw-HSC-0908120-056-small.fits",
  "derived/calexp-fpack-gzip2-lossless.fits",
  "derived/calexp-fpack-rice-q16-dither2.fits",
  "real/lsst-afw-ticketdm26260.fits.fz",
] as const;

export const CALEXP = "real/lsst-obs_base-calexp.fits";
export const VERSION2 = "real/lsst-afw-exposure-version-2.fits";
export const HSC = "real/lsst-afw-HSC-0908120-056-small.fits";
export const CALEXP_GZIP = "derived/calexp-fpack-gzip2-lossless.fits";
export const CALEXP_RICE = "derived/calexp-fpack-rice-q16-dither2.fits";
export const TICKET = "real/lsst-afw-ticketdm26260.fits.fz";

const open: FitsFile[] = [];

/** Opens a fixture (or any source); closed when the test file ends. */
export async function openFits(fileOrSource: string | ByteSource): Promise<FitsFile> {
  if (open.length === 0) {
    after(async () => {
      await Promise.all(open.splice(0).map((f) => f.close()));
    });
  }
  const fits = await FitsFile.open(
    typeof fileOrSource === "string" ? new FileSource(fixturePath(fileOrSource)) : fileOrSource,
  );
  open.push(fits);
  return fits;
}
