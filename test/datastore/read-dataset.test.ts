/**
 * The read path's pieces on their own: `readDataset` from a record and a ResourcePath or ByteSource
 * (what a client given a record by a server calls), `FitsFile.fromIndex` (no scan, only the planned
 * headers), and `fetchPlanned` (one request per coalesced group; reads outside pass through).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { defaultStorageClasses } from "../../src/core/index.ts";
import type { FitsByteIndex } from "../../src/datastore/byte-index.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { fetchPlanned } from "../../src/datastore/planned-source.ts";
import { readDataset } from "../../src/datastore/read.ts";
import { InvalidArgumentError, UnknownComponentError } from "../../src/errors/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { Header } from "../../src/fits/header.ts";
import { SkyWcs } from "../../src/image/sky-wcs.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { calexpExposure, makeRepo, visitRef } from "./helpers.ts";

const repo = await makeRepo();
const ref = visitRef("calexp", "ExposureF");
await repo.datastore.put(await calexpExposure(), ref, { insertRegistryRows: repo.registryInsert(ref) });
const record = await repo.datastore.getRecord(ref.id);
const path = `${repo.root}/${record.path}`;
const index = record.byteIndex as FitsByteIndex;
const formatters = new FormatterRegistry();
const storageClasses = defaultStorageClasses();

test("readDataset reads a component from a record and a ResourcePath or a ByteSource", async () => {
  const fromDatastore = await repo.datastore.get<SkyWcs>(ref, { component: "wcs" });
  const viaPath = await readDataset<SkyWcs>({
    record,
    from: resourcePath(path),
    formatters,
    storageClasses,
    component: "wcs",
  });
  assert.ok(viaPath instanceof SkyWcs);
  assert.deepEqual(viaPath, fromDatastore.value);
  const metrics = createMetrics({ recordRanges: true });
  const viaSource = await readDataset<Header>({
    record,
    from: withMetrics(new FileSource(path), metrics),
    formatters,
    storageClasses,
    component: "metadata",
  });
  assert.ok(viaSource instanceof Header);
  // The primary and image headers, adjacent: one read.
  assert.deepEqual(metrics.ranges, [{ offset: 0, length: index.hdus[1]!.dataOffset }]);
  await assert.rejects(
    readDataset({ record, from: resourcePath(path), formatters, storageClasses, component: "nope" }),
    UnknownComponentError,
  );
});

test("FitsFile.fromIndex reads only the headers it is given, one read each", async () => {
  const metrics = createMetrics({ recordRanges: true });
  const fits = await FitsFile.fromIndex(withMetrics(new FileSource(path), metrics), index, {
    headers: [0, 2],
  });
  assert.deepEqual(metrics.ranges, [
    { offset: 0, length: index.hdus[0]!.headerLength },
    { offset: index.hdus[2]!.headerOffset, length: index.hdus[2]!.headerLength },
  ]);
  assert.equal(fits.hdus.length, index.hdus.length);
  assert.equal(fits.header(2).getString("EXTNAME"), "MASK");
  assert.equal(fits.hdus[4]!.exttype, "ARCHIVE_INDEX");
  assert.ok(fits.hasHeader(0) && !fits.hasHeader(1));
  assert.throws(() => fits.header(1), InvalidArgumentError);
});

test("fetchPlanned makes one request per coalesced group; reads outside the plan pass through", async () => {
  const metrics = createMetrics({ recordRanges: true });
  const planned = await fetchPlanned(
    withMetrics(new FileSource(path), metrics),
    [
      { offset: 0, length: 100 },
      { offset: 150, length: 50 },
      { offset: 10_000, length: 10 },
    ],
    { gapBytes: 64, size: record.fileSize },
  );
  assert.deepEqual(metrics.ranges, [
    { offset: 0, length: 200 },
    { offset: 10_000, length: 10 },
  ]);
  const whole = new Uint8Array(await new FileSource(path).read(0, 20_000));
  assert.deepEqual(await planned.read(120, 60), whole.slice(120, 180));
  assert.equal(metrics.requests, 2);
  assert.equal(await planned.size(), record.fileSize);
  assert.equal(metrics.sizeCalls, 0);
  assert.deepEqual(await planned.read(5000, 10), whole.slice(5000, 5010));
  assert.equal(metrics.requests, 3);
});
