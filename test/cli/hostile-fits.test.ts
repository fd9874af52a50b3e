/**
 * Hostile FITS files through the CLI, as the user runs it (subprocesses of test/butler-from-source.js):
 * - a gzip bomb (1 MB that inflates to 1 GiB) costs `fits-info`, `ingest-files` and
 *   `get calexp.metadata` less than 100 MB of resident memory above the same command on a small file
 *   (peak RSS from /usr/bin/time), and a whole read of it is refused by the cap before inflating;
 * - damaged files are listed as far as they read, with a warning naming the byte offset and exit status 4,
 *   and are refused by ingest.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, describe, test } from "node:test";
import { createGzip } from "node:zlib";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { fixturePath } from "../support/fixtures.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");
const TIME = "/usr/bin/time";
const MB = 1024 * 1024;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the process, in bytes. */
  maxRss: number;
}

/** Runs `butler ARGS…` under /usr/bin/time and returns its output and peak RSS. */
function butler(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const rssFile = join(scratch, `rss-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ["-f", "%M", "-o", rssFile, process.execPath, BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const kb = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
      resolve({ status, stdout, stderr, maxRss: kb * 1024 });
    });
  });
}

const mb = (bytes: number) => Math.round(bytes / MB);

function ok(run: Run): Run {
  assert.equal(run.status, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

/** A FITS header of 80-character cards, END and blank padding to 2880 bytes. */
function header(cards: Record<string, string | number | boolean>): Buffer {
  const lines = Object.entries(cards).map(([key, value]) => {
    const text =
      typeof value === "boolean"
        ? value
          ? "T"
          : "F"
        : typeof value === "number"
          ? `${value}`
          : `'${value}'`;
    return `${key.padEnd(8)}= ${text.padStart(20)}`.padEnd(80);
  });
  lines.push("END".padEnd(80));
  const text = lines.join("");
  return Buffer.from(text.padEnd(Math.ceil(text.length / 2880) * 2880), "latin1");
}

const scratch = mkdtempSync(join(tmpdir(), "butler-hostile-fits-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const bomb = join(scratch, "bomb.fits.gz");
const small = join(scratch, "small.fits.gz");
const SIDE = 16384;

/** Writes a gzip-wrapped FITS file whose primary image is side² 32-bit zeros. */
async function writeZeros(path: string, side: number): Promise<void> {
  const data = side * side * 4;
  const padded = Math.ceil(data / 2880) * 2880;
  const zeros = Buffer.alloc(MB);
  async function* body() {
    yield header({
      SIMPLE: true,
      BITPIX: 32,
      NAXIS: 2,
      NAXIS1: side,
      NAXIS2: side,
      EXTEND: true,
      BOMBTEST: "yes",
    });
    for (let left = padded; left > 0; left -= zeros.length) {
      yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    }
  }
  await pipeline(Readable.from(body()), createGzip({ level: 9 }), createWriteStream(path));
}

describe("a gzip bomb", () => {
  let repo = "";
  let baseline: Record<string, number> = {};
  let dataId: string[] = [];
  before(async () => {
    await writeZeros(bomb, SIDE);
    await writeZeros(small, 32);
    repo = join(scratch, "repo");
    ok(await butler(["demo", repo, "--visits", "1", "--detectors", "1", "--size", "32,32", "--no-summary"]));
    const [visit] = JSON.parse(
      ok(await butler(["query-data-ids", repo, "visit", "--format", "json"])).stdout,
    ) as {
      visit: number;
    }[];
    dataId = [
      "--data-id",
      "instrument=DemoCam",
      "--data-id",
      "detector=0",
      "--data-id",
      `visit=${visit!.visit}`,
    ];
    // The same commands on a 4 KiB image: what the process costs before the file's size matters.
    const table = join(scratch, "small.csv");
    writeFileSync(table, `file,visit,detector\n${small},${visit!.visit},0\n`);
    baseline = {
      info: ok(await butler(["fits-info", small])).maxRss,
      ingest: ok(
        await butler(["ingest-files", repo, "calexp", "small/run", table, "--data-id", "instrument=DemoCam"]),
      ).maxRss,
      metadata: ok(await butler(["get", repo, "calexp.metadata", ...dataId, "--collections", "small/run"]))
        .maxRss,
    };
    writeFileSync(join(scratch, "bomb.csv"), `file,visit,detector\n${bomb},${visit!.visit},0\n`);
  });

  test("is 1 MB that declares 1 GiB", () => {
    const bytes = readFileSync(bomb);
    assert.ok(bytes.length < 2 * MB, `${bytes.length} bytes`);
    assert.ok(bytes.readUInt32LE(bytes.length - 4) >= SIDE * SIDE * 4);
  });

  test("fits-info lists it in bounded memory", async (t) => {
    const run = ok(await butler(["fits-info", bomb]));
    t.diagnostic(`fits-info peak RSS ${mb(run.maxRss)} MB, on a small file ${mb(baseline.info!)} MB`);
    assert.match(run.stdout, new RegExp(`int32\\s+${SIDE}x${SIDE}`));
    assert.ok(run.maxRss - baseline.info! < 100 * MB, `${run.maxRss / MB} MB vs ${baseline.info! / MB} MB`);
  });

  test("ingest-files takes it, and get calexp.metadata reads its header, in bounded memory", async (t) => {
    const ingest = ok(
      await butler([
        "ingest-files",
        repo,
        "calexp",
        "bomb/run",
        join(scratch, "bomb.csv"),
        "--data-id",
        "instrument=DemoCam",
      ]),
    );
    assert.ok(
      ingest.maxRss - baseline.ingest! < 100 * MB,
      `${ingest.maxRss / MB} MB vs ${baseline.ingest! / MB} MB`,
    );
    const metadata = ok(
      await butler(["get", repo, "calexp.metadata", ...dataId, "--collections", "bomb/run"]),
    );
    assert.match(metadata.stdout, /^BOMBTEST = yes$/m);
    t.diagnostic(
      `ingest-files peak RSS ${mb(ingest.maxRss)} MB (small file ${mb(baseline.ingest!)} MB); ` +
        `get calexp.metadata ${mb(metadata.maxRss)} MB (small file ${mb(baseline.metadata!)} MB)`,
    );
    assert.ok(
      metadata.maxRss - baseline.metadata! < 100 * MB,
      `${metadata.maxRss / MB} MB vs ${baseline.metadata! / MB} MB`,
    );
  });

  test("a whole read beyond BUTLER_GZIP_MAX_BYTES is refused before inflating", async () => {
    const output = join(scratch, "out.fits");
    const run = await butler(
      ["get", repo, "calexp.image", ...dataId, "--collections", "bomb/run", "--output", output],
      { BUTLER_GZIP_MAX_BYTES: String(64 * MB) },
    );
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /^butler: error \[FITS_FORMAT\]: .*BUTLER_GZIP_MAX_BYTES/);
    assert.ok(run.maxRss - baseline.metadata! < 100 * MB, `${run.maxRss / MB} MB`);
  });
});

describe("damaged FITS files", () => {
  const calexp = readFileSync(fixturePath("real/lsst-obs_base-calexp.fits"));
  let cutAt = 0;
  const truncated = join(scratch, "truncated.fits");
  const junk = join(scratch, "junk.fits");
  const noEnd = join(scratch, "no-end.fits");
  before(async () => {
    // Cut 100 bytes into HDU 5's data.
    cutAt = (await scanFits(new MemorySource(calexp))).hdus[5]!.dataOffset;
    writeFileSync(truncated, calexp.subarray(0, cutAt + 100));
    writeFileSync(junk, Buffer.concat([calexp, Buffer.from("x".repeat(100))]));
    const bytes = Buffer.from(calexp);
    const end = bytes
      .subarray(0, 14400)
      .toString("latin1")
      .search(/END {77}/);
    bytes.write(" ".repeat(80), end, "latin1");
    writeFileSync(noEnd, bytes);
  });

  test("fits-info lists what it can read, warns with the byte offset and exits with status 4", async () => {
    const cut = await butler(["fits-info", truncated]);
    assert.equal(cut.status, 4);
    assert.equal(cut.stdout.trimEnd().split("\n").length, 2 + 5, cut.stdout);
    assert.match(
      cut.stderr,
      new RegExp(`^butler: warning: file is truncated: .*HDU 5, byte ${cutAt}\\)$`, "m"),
    );
    const trailing = await butler(["fits-info", junk]);
    assert.equal(trailing.status, 4);
    assert.equal(trailing.stdout.trimEnd().split("\n").length, 2 + 22);
    assert.match(
      trailing.stderr,
      new RegExp(`100 bytes after the last HDU are not padding .*byte ${calexp.length}\\)`),
    );
    const missing = await butler(["fits-info", noEnd]);
    assert.equal(missing.status, 4);
    assert.match(missing.stderr, /no END card.*HDU 0, byte 14400\)/);
  });

  test("ingest-files refuses them with the byte offset and leaves nothing behind", async () => {
    const repo = join(scratch, "damaged-repo");
    ok(await butler(["demo", repo, "--visits", "1", "--detectors", "1", "--size", "32,32", "--no-summary"]));
    const [visit] = JSON.parse(
      ok(await butler(["query-data-ids", repo, "visit", "--format", "json"])).stdout,
    ) as {
      visit: number;
    }[];
    for (const [file, message] of [
      [truncated, new RegExp(`truncated.fits, HDU 5, byte ${cutAt}`)],
      [junk, new RegExp(`byte ${calexp.length}`)],
      [noEnd, /no END card.*byte 14400/],
    ] as const) {
      const table = join(scratch, "damaged.csv");
      writeFileSync(table, `file,visit,detector\n${file},${visit!.visit},0\n`);
      const run = await butler([
        "ingest-files",
        repo,
        "calexp",
        "damaged/run",
        table,
        "--data-id",
        "instrument=DemoCam",
      ]);
      assert.equal(run.status, 4, run.stderr);
      assert.match(run.stderr, message);
    }
    const found = await butler(["query-datasets", repo, "calexp", "--collections", "damaged/run"]);
    assert.match(found.stdout, /no datasets of type calexp/);
    const left = existsSync(join(repo, "damaged"))
      ? readdirSync(join(repo, "damaged"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
    assert.deepEqual(left, [], "no file (temporary or not) is left in the run's directory");
  });
});
