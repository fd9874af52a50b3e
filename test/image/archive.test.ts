/**
 * The archive reader: index rows, catalogs located by AR_HDU + cat.archive (never by EXTNAME),
 * objects that share a table, objects with several catalogs, rows read per object or per table.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ArchiveReader, findArchiveIndexHdu } from "../../src/image/archive.ts";
import { archiveObjectsEqual, columnValues } from "../../src/image/archive-types.ts";
import { CALEXP, HSC, openFits, TICKET, VERSION2 } from "./helpers.ts";

describe("ArchiveReader", () => {
  test("the calexp index: 298 rows for 296 objects, tables shared between classes", async () => {
    const fits = await openFits(CALEXP);
    const archive = (await ArchiveReader.open(fits))!;
    assert.equal(archive.indexHdu, 4);
    assert.equal(archive.entries.length, 298);
    assert.equal(archive.ids().length, 296);
    const stats = archive.entries.find((e) => e.id === 1)!;
    const transform = archive.entries.find((e) => e.id === 5)!;
    assert.deepEqual(
      [stats.name, stats.catArchive, stats.row0, transform.name, transform.catArchive, transform.row0],
      ["ExposureSummaryStats", 1, 0, "TransformPoint2ToPoint2", 1, 1],
    );
    assert.deepEqual(
      archive.schemaOf(1).columns.map((c) => [c.name, c.format]),
      [["bytes", "1QB"]],
    );
    assert.ok(
      archive.schemaOf(1).cards.some((c) => c.key === "TDOC1"),
      "column docs are kept",
    );
    assert.ok(!archive.schemaOf(1).cards.some((c) => c.key === "AR_NAME" || c.key === "TFORM1"));
  });

  test("objects by id: several catalogs, empty catalogs, per-object reads equal whole-table reads", async () => {
    const fits = await openFits(CALEXP);
    const archive = (await ArchiveReader.open(fits))!;
    const coadd = (await archive.get(248))!;
    assert.equal(coadd.name, "CoaddInputs");
    assert.deepEqual(
      coadd.catalogs.map((c) => c.nrows),
      [0, 0],
    );
    assert.equal(coadd.catalogs[0]!.schema.columns.length, 13);
    const detector = (await archive.get(3))!;
    assert.deepEqual(
      detector.catalogs.map((c) => c.nrows),
      [1, 4],
      "the detector and its amplifiers",
    );
    assert.equal((columnValues(detector.catalogs[0]!, "name") as string[])[0], "1_42");
    const single = (await archive.get(250))!;
    const all = await archive.readAll();
    assert.equal(all.length, 296);
    assert.ok(archiveObjectsEqual(single, all.find((o) => o.id === 250)!));
    assert.equal(await archive.get(9999), undefined);
  });

  test("a file without EXTNAMEs: the archive is found by AR_HDU and position", async () => {
    const fits = await openFits(VERSION2);
    assert.equal(findArchiveIndexHdu(fits), 4);
    const archive = (await ArchiveReader.open(fits))!;
    const filter = (await archive.get(9))!;
    assert.equal(archive.catalogHdu(8), 12);
    assert.deepEqual(columnValues(filter.catalogs[0]!, "band"), ["N656"]);
    const transforms = archive.entries.filter((e) => e.name === "TransformPoint2ToPoint2");
    assert.deepEqual(
      transforms.map((e) => [e.id, e.catArchive, e.row0]),
      [
        [6, 6, 0],
        [7, 6, 1],
        [8, 6, 2],
      ],
    );
  });

  test("legacy TanWcs: one object in two catalogs", async () => {
    const archive = (await ArchiveReader.open(await openFits(HSC)))!;
    const wcs = (await archive.get(1))!;
    assert.equal(wcs.name, "TanWcs");
    assert.equal(wcs.module, "lsst.afw.image");
    assert.deepEqual(
      wcs.catalogs.map((c) => c.schema.columns.map((col) => col.name)),
      [
        ["crval", "crpix", "cd", "ctype1", "ctype2", "equinox", "radesys", "cunit1", "cunit2"],
        ["A", "B", "Ap", "Bp"],
      ],
    );
    assert.equal((columnValues(wcs.catalogs[1]!, "Ap") as Float64Array).length, 25);
  });

  test("a file without an archive has none", async () => {
    assert.equal(await ArchiveReader.open(await openFits(TICKET)), undefined);
  });
});
