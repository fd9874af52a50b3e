/**
 * The shared FITS fixtures and their ground truth. They are read in place from the shared test data
 * folder (their licences differ from ours, so they are never copied into the repository).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import type { HduInfo } from "../../src/fits/hdu.ts";
import type { Header } from "../../src/fits/header.ts";
import { swapToNative } from "../../src/fits/pixels.ts";
import { scanFits } from "../../src/fits/scan.ts";

/** The shared test data: `BUTLER_TESTDATA`, else `../shared/testdata` beside the checkout, else `/work/shared/testdata`. */
export const TESTDATA = findTestdata();

function findTestdata(): string {
  if (process.env.BUTLER_TESTDATA) return resolve(process.env.BUTLER_TESTDATA);
  const candidates = [join(import.meta.dirname, "../../../shared/testdata"), "/work/shared/testdata"];
  return candidates.find((dir) => existsSync(join(dir, "EXPECTED.json"))) ?? candidates[0]!;
}

export interface ExpectedHdu {
  index: number;
  extname: string;
  extver: number;
  header_offset: number;
  data_offset: number;
  data_span: number;
  raw_cards: number;
  kind: string;
  bitpix?: number;
  naxis?: number[];
  zbitpix?: number;
  znaxis?: number[];
  ztile?: number[];
  zcmptype?: string;
  zquantiz?: string | null;
  zdither0?: number | null;
  decoded_dtype?: string;
  sha256_decoded_be?: string;
  shape_numpy?: number[];
  samples_y_x_value?: [number, number, number | string][];
  nan_count?: number;
  sha256_main_table?: string;
  sha256_heap?: string;
  columns?: [string, string][];
  first_row?: Record<string, unknown>;
}

export interface ExpectedFile {
  file: string;
  size_bytes: number;
  stream_bytes: number;
  hdus: ExpectedHdu[];
}

/** daf_butler's exported test repositories and configs, beside the test data. */
export const PEER_DATA = join(TESTDATA, "../peer-data");

export const EXPECTED: ExpectedFile[] = JSON.parse(
  readFileSync(join(TESTDATA, "EXPECTED.json"), "utf8"),
).files;

export function fixturePath(file: string): string {
  return join(TESTDATA, file);
}

/** sha256 of an array's values written big-endian, as EXPECTED.json's `sha256_decoded_be` defines it. */
export function sha256BigEndian(data: ArrayBufferView & { BYTES_PER_ELEMENT: number }): string {
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  swapToNative(bytes, data.BYTES_PER_ELEMENT);
  return createHash("sha256").update(bytes).digest("hex");
}

const openSources: FileSource[] = [];

/** Opens and scans a fixture; its source is closed when the test file ends. */
export async function openFixture(
  file: string,
): Promise<{ source: FileSource; hdus: HduInfo[]; headers: Header[] }> {
  if (openSources.length === 0) {
    after(async () => {
      await Promise.all(openSources.splice(0).map((s) => s.close()));
    });
  }
  const source = new FileSource(fixturePath(file));
  openSources.push(source);
  const { hdus, headers } = await scanFits(source);
  return { source, hdus, headers };
}
