/**
 * `butler demo`, `butler scan-metadata` and `butler get`, run as the user runs them: subprocesses of
 * test/butler-from-source.js on a small demo repository.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { type CliRun, runButler } from "../support/cli.ts";

const butler = runButler;

const scratch = mkdtempSync(join(tmpdir(), "butler-cli-demo-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const repo = join(scratch, "demo");
const CHAIN = "DemoCam/defaults";

describe("butler demo", () => {
  let created: CliRun;
  before(async () => {
    created = await butler("demo", repo, "--visits", "3", "--detectors", "2", "--size", "64,48");
  });

  test("builds the survey and shows a query and a metadata scan", () => {
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /3 visits × 2 detectors = 6 calexps, 10 calibration frames/);
    assert.match(created.stdout, /\$ butler query-datasets .* calexp --collections DemoCam\/defaults/);
    assert.match(created.stdout, /\$ butler scan-metadata .* --keys DET_NAME,FILTER,SKYLEVEL,NSTARS/);
    assert.match(created.stdout, /R0_S00\s+DemoCam-g\s+400/);
    assert.equal(created.stderr, "", "no progress bar off a terminal");
  });

  test("the repository holds what the demo describes", async () => {
    const b = await Butler.open(repo, { collections: CHAIN });
    try {
      assert.deepEqual((await b.registry.queryCollections()).sort(), [
        "DemoCam/calib",
        "DemoCam/calib/bias/1",
        "DemoCam/calib/bias/2",
        "DemoCam/calib/flat/1",
        "DemoCam/defaults",
        "DemoCam/runs/demo",
      ]);
      const calexps = await b.registry.queryDatasets("calexp", { collections: CHAIN, findFirst: true });
      assert.equal(calexps.length, 6);
      const exposure = await b.get<Exposure>(calexps[0]!);
      await exposure.info.load("wcs", "photoCalib");
      assert.equal(exposure.bbox.width, 64);
      assert.equal(exposure.bbox.height, 48);
      assert.ok(
        exposure.wcs !== undefined && exposure.visitInfo !== undefined && exposure.photoCalib !== undefined,
      );
      // The WCS agrees with the registry's region for the detector.
      const [region] = await b.registry.queryDimensionRecords("visit_detector_region", {
        dataId: calexps[0]!.dataId,
      });
      const centre = exposure.wcs!.pixelToSky(32, 24);
      const hits = await b.registry.queryDataIds(["visit", "detector"], {
        where: `visit_detector_region.region OVERLAPS POINT(${centre.ra}, ${centre.dec})`,
      });
      assert.ok(region !== undefined);
      assert.ok(hits.some((d) => d.equals(calexps[0]!.dataId.subset(d.dimensions))));
      // The tract and patches relate to visits through their regions.
      assert.ok((await b.registry.queryDataIds(["visit", "patch"])).length >= 3);
    } finally {
      await b.close();
    }
  });

  test("bad options are usage errors without a stack trace", async () => {
    const run = await butler("demo", join(scratch, "other"), "--size", "64");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--size takes WIDTH,HEIGHT/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

// Tests in a file run in order: these use the repository the demo tests made.
describe("butler scan-metadata and get", () => {
  test("scan-metadata: one row per dataset, as JSON, from headers or another component", async () => {
    const run = await butler(
      "scan-metadata",
      repo,
      "calexp",
      "--collections",
      CHAIN,
      "--keys",
      "FILTER,NSTARS",
      "--format",
      "json",
    );
    assert.equal(run.status, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    assert.equal(rows.length, 6);
    for (const row of rows) {
      assert.equal(row.instrument, "DemoCam");
      assert.match(String(row.FILTER), /^DemoCam-[gri]$/);
      assert.equal(typeof row.NSTARS, "number");
    }
    const visitInfo = await butler(
      "scan-metadata",
      repo,
      "calexp",
      "--collections",
      CHAIN,
      "--component",
      "visitInfo",
      "--keys",
      "exposureTime,boresightRaDec.ra,object",
      "--where",
      "detector = 1",
      "--format",
      "csv",
    );
    assert.equal(visitInfo.status, 0, visitInfo.stderr);
    const lines = visitInfo.stdout.trim().split("\n");
    assert.equal(lines[0], "instrument,detector,visit,exposureTime,boresightRaDec.ra,object");
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /^DemoCam,1,\d+,30,150\.\d+,DEMO-FIELD$/);
  });

  test("get: components print, images write FITS, cutouts take inclusive PARENT corners", async () => {
    const dataId = ["--data-id", "instrument=DemoCam", "--data-id", "detector=0", "--collections", CHAIN];
    const [visit] = JSON.parse(
      (await butler("query-data-ids", repo, "visit", "--format", "json")).stdout,
    ) as { visit: number }[];
    const id = [...dataId, "--data-id", `visit=${visit!.visit}`];
    const info = await butler("get", repo, "calexp.visitInfo", ...id, "--format", "json");
    assert.equal(info.status, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).exposureTime, 30);
    const metadata = await butler("get", repo, "calexp.metadata", ...id);
    assert.match(metadata.stdout, /^DET_NAME = R0_S00$/m);
    const output = join(scratch, "cutout.fits");
    const cut = await butler("get", repo, "calexp", ...id, "--bbox", "10,5,29,14", "--output", output);
    assert.equal(cut.status, 0, cut.stderr);
    const fits = await FitsFile.open(output);
    try {
      const exposure = await readExposure(fits);
      assert.equal(exposure.bbox.minX, 10);
      assert.equal(exposure.bbox.minY, 5);
      assert.equal(exposure.bbox.width, 20);
      assert.equal(exposure.bbox.height, 10);
    } finally {
      await fits.close();
    }
    assert.ok(readFileSync(output).length % 2880 === 0);
  });

  test("get: a bad component or parameter says what is accepted, without a stack trace", async () => {
    const id = [
      "--data-id",
      "instrument=DemoCam",
      "--data-id",
      "detector=0",
      "--collections",
      CHAIN,
      "--data-id",
      "visit=2026031000",
    ];
    const component = await butler("get", repo, "calexp.nope", ...id);
    assert.notEqual(component.status, 0);
    assert.match(component.stderr, /nope/);
    assert.match(component.stderr, /visitInfo/);
    const parameter = await butler(
      "get",
      repo,
      "calexp",
      ...id,
      "--parameter",
      "test=1",
      "--output",
      join(scratch, "x.fits"),
    );
    assert.notEqual(parameter.status, 0);
    assert.match(parameter.stderr, /bbox/);
    const bbox = await butler("get", repo, "calexp", ...id, "--bbox", "5,5,1,1");
    assert.equal(bbox.status, 2);
    assert.match(bbox.stderr, /inclusive integer corners/);
    for (const run of [component, parameter, bbox]) assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});
