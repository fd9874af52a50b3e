/**
 * The `timer` log of a get, read as a user reads it (`butler --log-level timer.lsst.daf.butler=debug
 * get …`): registry, record lookup, open, fetch, decode and the rest add up to `took`, and one-off
 * set-up (the S3 SDK, the formatter module) is booked as opening, not fetching. Also `getMany`'s totals.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { type LogRecord, resetLogLevels, setLogLevel, setLogSinks } from "../../src/log.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { S3Server } from "../support/servers/s3rver.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");
const BUCKET = "timer-log";
const DATA_ID = [
  "--data-id",
  "instrument=DemoCam",
  "--data-id",
  "visit=2026031000",
  "--data-id",
  "detector=0",
];
const PARTS = ["registryMs", "recordMs", "openMs", "fetchMs", "decodeMs", "otherMs"];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function butler(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The fields of the `timer.butler` line whose message starts with `prefix`, and its `took`. */
function timerLine(stderr: string, prefix: string): { took: number; fields: Record<string, number> } {
  const line = stderr.split("\n").find((l) => l.startsWith(`DEBUG timer.butler: ${prefix}`));
  assert.ok(line, stderr);
  const match = /: took ([\d.]+) ms (\{.*\})$/.exec(line);
  assert.ok(match, line);
  return { took: Number(match[1]), fields: JSON.parse(match[2]!) as Record<string, number> };
}

function assertPartsSumToTook(took: number, fields: Record<string, number>): void {
  for (const part of PARTS) assert.equal(typeof fields[part], "number", part);
  const sum = PARTS.reduce((total, part) => total + fields[part]!, 0);
  // Each part is rounded to 0.001 ms and `took` is printed to 0.001 ms.
  assert.ok(Math.abs(sum - took) < 0.01, `parts ${sum} vs took ${took}: ${JSON.stringify(fields)}`);
}

const scratch = mkdtempSync(join(tmpdir(), "butler-timer-log-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("the timer log of a get from an S3 datastore", () => {
  let server: S3Server;
  let env: Record<string, string>;
  const repo = join(scratch, "s3-demo");
  let made: Run;
  before(async () => {
    server = await S3Server.start([BUCKET]);
    env = server.env();
    made = await butler(
      env,
      "demo",
      repo,
      "--visits",
      "1",
      "--detectors",
      "1",
      "--size",
      "64,48",
      "--no-summary",
      "--datastore-root",
      `s3://${BUCKET}/demo/`,
    );
  });
  after(async () => {
    closeS3Clients();
    await server?.stop();
  });

  test("the AWS SDK's Node-version notice is not printed", () => {
    assert.equal(made.status, 0, made.stderr);
    assert.doesNotMatch(made.stderr, /NodeVersionSupportWarning|AWS SDK/);
  });

  test("parts sum to took, and the SDK's loading is opening, not fetching", async () => {
    const run = await butler(
      env,
      "--log-level",
      "timer.lsst.daf.butler=debug",
      "get",
      repo,
      "calexp.metadata",
      "--collections",
      "DemoCam/runs/demo",
      ...DATA_ID,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /DET_NAME = R0_S00/);
    assert.doesNotMatch(run.stderr, /NodeVersionSupportWarning/);
    const { took, fields } = timerLine(run.stderr, "Retrieved dataset calexp.metadata@");
    assertPartsSumToTook(took, fields);
    assert.ok(fields.registryMs! > 0 && fields.recordMs! > 0, JSON.stringify(fields));
    // Loading the AWS SDK and making a client takes far longer than fetching 8 kB from a local server.
    assert.ok(fields.openMs! > fields.fetchMs!, JSON.stringify(fields));
    assert.ok(fields.requests! >= 1 && fields.bytes! > 0, JSON.stringify(fields));
    // The datastore's own line has the same parts of its share.
    assert.match(
      run.stderr,
      /DEBUG timer\.datastore: Reading component metadata from s3:\/\/.*"recordMs":.*"openMs":/,
    );
  });
});

describe("the timer log of getMany", () => {
  const repo = join(scratch, "local-demo");
  before(async () => {
    const made = await butler(
      {},
      "demo",
      repo,
      "--visits",
      "2",
      "--detectors",
      "2",
      "--size",
      "64,48",
      "--no-summary",
    );
    assert.equal(made.status, 0, made.stderr);
  });

  test("totals have the same parts; read one at a time they sum to took", async () => {
    const records: LogRecord[] = [];
    const previous = setLogSinks([(r) => records.push(r)]);
    setLogLevel("timer.lsst.daf.butler.butler", "debug");
    const b = await Butler.open(repo, { collections: "DemoCam/runs/demo" });
    try {
      const refs = await b.registry.queryDatasets("calexp", { collections: "DemoCam/runs/demo" });
      await b.getMany(
        refs.map((ref) => b.componentRef(ref, "metadata")),
        { concurrency: 1 },
      );
    } finally {
      await b.close();
      setLogSinks(previous);
      resetLogLevels();
    }
    const total = records.find((r) => r.message.startsWith("Retrieved 4 datasets"));
    assert.ok(total, records.map((r) => r.message).join("\n"));
    assert.equal(total.logger, "timer.butler");
    const took = Number(/took ([\d.]+) ms/.exec(total.message)![1]);
    const fields = total.fields as Record<string, number>;
    assertPartsSumToTook(took, fields);
    assert.equal(typeof fields.readMs, "number");
    assert.equal(fields.requests, 4);
    assert.ok(fields.openMs! > 0 && fields.decodeMs! > 0, JSON.stringify(fields));
  });
});
