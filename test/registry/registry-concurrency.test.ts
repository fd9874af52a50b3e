import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { DatasetType } from "../../src/core/index.ts";
import { Registry } from "../../src/registry/index.ts";
import { enabledDialects } from "./registry-support.ts";

const CHILD = join(import.meta.dirname, "registry-concurrent-child.ts");

function runChild(uri: string, writer: number, batches: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, uri, String(writer), String(batches)], {
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`writer ${writer} exited with ${code}:\n${stderr}`)),
    );
  });
}

describe("registry concurrency [sqlite]", { skip: !enabledDialects().includes("sqlite") }, () => {
  const dir = mkdtempSync(join(tmpdir(), "butler-concurrency-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("two processes writing one SQLite file at once lose nothing", async () => {
    const uri = join(dir, "gen3.sqlite3");
    const setup = await Registry.create({ db: uri });
    await setup.insertDimensionData("instrument", [{ name: "Cam" }]);
    await setup.registerDatasetType(
      DatasetType.fromNames("bias", ["instrument", "detector"], "Exposure", setup.universe),
    );
    await setup.close();
    const batches = 8;
    await Promise.all([runChild(uri, 0, batches), runChild(uri, 1, batches)]);
    const registry = await Registry.open({ db: uri, writeable: false });
    try {
      const common = await registry.findFirstDatasets("bias", "common");
      assert.equal(common.length, 2 * batches * 50);
      for (const writer of [0, 1]) {
        const own = await registry.findFirstDatasets("bias", `run_${writer}`);
        assert.equal(own.length, batches * 50);
        assert.ok(own.every((r) => Math.floor((r.dataId.get("detector") as number) / 1000) === writer + 1));
      }
      const filters = await registry.expandDataIds(
        Array.from({ length: batches }, (_, b) => ({ instrument: "Cam", physical_filter: `Cam-${b}` })),
      );
      assert.equal(filters.length, batches);
      assert.deepEqual((await registry.queryCollections()).sort(), ["common", "run_0", "run_1"]);
    } finally {
      await registry.close();
    }
  });

  test("two connections of one process wait for each other's write lock without stalling", async () => {
    const uri = join(dir, "one-process.sqlite3");
    const first = await Registry.create({ db: uri });
    const second = await Registry.open({ db: uri, writeable: true });
    try {
      const started = performance.now();
      // Each transaction holds the write lock across an await; a synchronous busy wait in one would
      // stop the other from ever finishing (until the busy timeout, then SQLITE_BUSY).
      const hold = (registry: Registry, name: string) =>
        registry.transaction(async () => {
          await registry.registerRun(name);
          await new Promise((resolve) => setTimeout(resolve, 200));
        });
      await Promise.all([hold(first, "a"), hold(second, "b"), hold(first, "c"), hold(second, "d")]);
      assert.deepEqual((await first.queryCollections()).sort(), ["a", "b", "c", "d"]);
      assert.ok(performance.now() - started < 5000, "no transaction waited out the busy timeout");
    } finally {
      await second.close();
      await first.close();
    }
  });
});
