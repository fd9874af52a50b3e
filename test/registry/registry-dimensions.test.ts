import assert from "node:assert/strict";
import { sql } from "kysely";
import { DataCoordinate, Timespan } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  DataIdValueError,
  DimensionNameError,
  DimensionRecordNotFoundError,
  DimensionValueError,
  InconsistentDataIdError,
} from "../../src/errors/index.ts";
import { overlapTableName } from "../../src/registry/index.ts";
import { ConvexPolygon } from "../../src/sphgeom/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { bothWays, directOnlyRegistry, registryRepo } from "../support/both-ways.ts";
import { loadBase } from "./registry-support.ts";

const t = (iso: string) => parseButlerTime(iso);

function square(lon: number, lat: number, size: number): ConvexPolygon {
  return ConvexPolygon.fromLonLatDegrees([
    lon,
    lat,
    lon + size,
    lat,
    lon + size,
    lat + size,
    lon,
    lat + size,
  ]);
}

const SUITE = "registry dimensions";
const ADMIN =
  "inserting and syncing dimension records are administrators' writes, which a remote registry does not offer";

/** Two visits of Cam1 on one night: one with a region and a closed timespan, one open-ended. */
const VISIT_REGION = square(10, 20, 0.5);
const VISIT_SPAN = new Timespan(t("2021-09-09T03:00:00"), t("2021-09-09T03:01:00"));

bothWays(
  SUITE,
  {
    make: registryRepo(async (registry) => {
      await loadBase(registry);
      await registry.insertDimensionData("day_obs", [{ instrument: "Cam1", id: 20210909 }]);
      await registry.insertDimensionData("visit", [
        {
          instrument: "Cam1",
          id: 1,
          name: "one",
          physical_filter: "Cam1-G",
          day_obs: 20210909,
          region: VISIT_REGION,
          timespan: VISIT_SPAN,
          exposure_time: 60.5,
        },
        {
          instrument: "Cam1",
          id: 2,
          name: "two",
          physical_filter: "Cam1-R1",
          day_obs: 20210909,
          region: square(11, 20, 0.5),
          timespan: new Timespan(t("2100-01-01T00:00:00") - 5n, null),
        },
      ]);
    }),
  },
  (suite) => {
    suite.test("base.yaml records insert and read back", async ({ butler: { registry } }) => {
      const detector = await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 2 });
      assert.deepEqual(
        { ...detector },
        { instrument: "Cam1", id: 2, full_name: "Ab", name_in_raft: "b", raft: "A", purpose: "SCIENCE" },
      );
      const instrument = await registry.getDimensionRecord("instrument", { instrument: "Cam1" });
      assert.equal(instrument?.visit_max, 1024);
      assert.equal(instrument?.class_name, "lsst.pipe.base.Instrument");
      assert.equal(await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 9 }), null);
      // Alternate keys: one record, none, or several (which is an error, not a miss).
      assert.equal(
        (await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: "Ab" }))?.id,
        2,
      );
      assert.equal(
        await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: "Zz" }),
        null,
      );
      await assert.rejects(
        registry.getDimensionRecord("detector", { instrument: "Cam1", "detector.raft": "A" }),
        (err: Error) => err instanceof DataIdValueError && /several/.test(err.message),
      );
    });

    suite.test(
      "expandDataId resolves alternate keys and implied values and attaches records",
      async ({ butler: { registry } }) => {
        const dataId = await registry.expandDataId({
          instrument: "Cam1",
          detector: "Ab",
          physical_filter: "Cam1-R1",
        });
        assert.equal(dataId.get("detector"), 2);
        assert.equal(dataId.get("band"), "r");
        assert.ok(dataId.hasFull() && dataId.hasRecords());
        assert.equal(dataId.record("detector")?.full_name, "Ab");
        assert.equal(dataId.record("band")?.name, "r");
        assert.equal(dataId.record("physical_filter")?.band, "r");
        // element.field keys and the instrument found through the detector's record.
        const byField = await registry.expandDataId({ instrument: "Cam1", "detector.full_name": "Bb" });
        assert.deepEqual(byField.toObject(), { instrument: "Cam1", detector: 4 });
        // An expanded data ID of a subset group, with dimensions given explicitly.
        const bias = await registry.expandDataId(
          { instrument: "Cam1", detector: 3, physical_filter: "Cam1-G" },
          { dimensions: ["instrument", "detector"] },
        );
        assert.deepEqual(bias.toObject(), { instrument: "Cam1", detector: 3 });
        // Known records are used instead of looked up.
        const cached = await registry.expandDataId(
          { instrument: "Cam1", detector: 1 },
          { records: { instrument: bias.record("instrument") } },
        );
        assert.equal(cached.record("instrument"), bias.record("instrument"));
        // A DataCoordinate goes in as well.
        const again = await registry.expandDataId(
          DataCoordinate.standardize(
            { instrument: "Cam1", detector: 1 },
            {
              universe: registry.universe,
            },
          ),
        );
        assert.equal(again.record("detector")?.full_name, "Aa");
      },
    );

    suite.test("expandDataId names what it could not find", async ({ butler: { registry } }) => {
      await assert.rejects(
        registry.expandDataId({ instrument: "Cam1", detector: "Zz" }),
        (err: Error) =>
          err instanceof DimensionRecordNotFoundError &&
          err.element === "detector" &&
          /full_name='Zz'/.test(err.message),
      );
      await assert.rejects(
        registry.expandDataId({ instrument: "Cam1", detector: 42 }),
        (err: Error) =>
          err instanceof DataIdValueError && /detector/.test(err.message) && /42/.test(err.message),
      );
      await assert.rejects(
        registry.expandDataId({ instrument: "Cam1", physical_filter: "Cam1-G", band: "r" }),
        InconsistentDataIdError,
      );
      await assert.rejects(
        registry.expandDataId({ instrument: "Cam1", band: "u" }),
        DimensionRecordNotFoundError,
      );
      // A metadata field that two detectors share (raft A) does not identify one.
      await assert.rejects(
        registry.expandDataId({ instrument: "Cam1", "detector.raft": "A" }),
        (err: Error) => err instanceof DataIdValueError && /several/.test(err.message),
      );
      const byRaft = await registry.expandDataId({
        instrument: "Cam1",
        "detector.raft": "B",
        "detector.purpose": "WAVEFRONT",
      });
      assert.equal(byRaft.get("detector"), 4);
    });

    suite.test("visit records keep their regions and timespans", async ({ butler: { registry } }) => {
      const visit = await registry.getDimensionRecord("visit", { instrument: "Cam1", visit: 1 });
      assert.ok(visit !== null);
      assert.ok((visit.timespan as Timespan).equals(VISIT_SPAN));
      assert.deepEqual([...(visit.region as ConvexPolygon).encode()], [...VISIT_REGION.encode()]);
      assert.equal(visit.exposure_time, 60.5);
      const visit2 = await registry.getDimensionRecord("visit", { instrument: "Cam1", visit: 2 });
      assert.equal((visit2!.timespan as Timespan).begin, t("2100-01-01T00:00:00") - 5n);
      const expanded = await registry.expandDataId({ instrument: "Cam1", visit: 1 });
      assert.equal(expanded.get("physical_filter"), "Cam1-G");
      assert.equal(expanded.get("band"), "g");
      assert.ok(expanded.timespan?.equals(VISIT_SPAN));
      assert.deepEqual(
        [...(expanded.record("visit")!.region as ConvexPolygon).encode()],
        [...VISIT_REGION.encode()],
      );
    });
  },
);

directOnlyRegistry(
  `${SUITE}: duplicates`,
  ADMIN,
  "a duplicate primary key is refused unless skipExisting or replace",
  async (registry) => {
    await loadBase(registry);
    const record = {
      instrument: "Cam1",
      id: 1,
      full_name: "Aa",
      raft: "A",
      name_in_raft: "a",
      purpose: "SCIENCE",
    };
    await assert.rejects(registry.insertDimensionData("detector", [record]), ConflictingDefinitionError);
    await assert.rejects(
      registry.insertDimensionData("detector", [{ ...record, purpose: "GUIDER" }]),
      (err: Error) => err instanceof ConflictingDefinitionError && /differs in purpose/.test(err.message),
    );
    await registry.insertDimensionData("detector", [{ ...record, purpose: "GUIDER" }], {
      skipExisting: true,
    });
    assert.equal(
      (await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 1 }))?.purpose,
      "SCIENCE",
    );
    await registry.insertDimensionData("detector", [{ ...record, purpose: "GUIDER" }], { replace: true });
    assert.equal(
      (await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 1 }))?.purpose,
      "GUIDER",
    );
    // An alternate key already used by another record is a conflict too.
    await assert.rejects(
      registry.insertDimensionData("detector", [{ instrument: "Cam1", id: 5, full_name: "Ab" }]),
      ConflictingDefinitionError,
    );
    // Two different records with one key in one call.
    await assert.rejects(
      registry.insertDimensionData("detector", [
        { instrument: "Cam1", id: 6, full_name: "Ca" },
        { instrument: "Cam1", id: 6, full_name: "Cb" },
      ]),
      ConflictingDefinitionError,
    );
  },
);

directOnlyRegistry(
  `${SUITE}: validation`,
  ADMIN,
  "records are validated and must refer to existing records",
  async (registry) => {
    await loadBase(registry);
    await assert.rejects(
      registry.insertDimensionData("detector", [{ instrument: "NoSuchCam", id: 1, full_name: "x" }]),
      (err: Error) =>
        err instanceof DimensionRecordNotFoundError &&
        err.element === "instrument" &&
        /NoSuchCam/.test(err.message),
    );
    await assert.rejects(
      registry.insertDimensionData("detector", [{ instrument: "Cam1", id: "one", full_name: "x" }]),
      DimensionValueError,
    );
    await assert.rejects(
      registry.insertDimensionData("detector", [
        { instrument: "Cam1", id: 7, full_name: "x", colour: "red" },
      ]),
      DimensionNameError,
    );
    await assert.rejects(registry.insertDimensionData("band", [{ name: "g" }]), DimensionNameError);
    // Nothing of a failed batch is kept.
    await assert.rejects(
      registry.insertDimensionData("detector", [
        { instrument: "Cam1", id: 8, full_name: "Da" },
        { instrument: "Cam1", id: 9, full_name: "Aa" },
      ]),
      ConflictingDefinitionError,
    );
    assert.equal(await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 8 }), null);
  },
);

directOnlyRegistry(
  `${SUITE}: sync`,
  ADMIN,
  "syncDimensionData inserts, accepts identical, refuses or updates different",
  async (registry) => {
    await loadBase(registry);
    const record = {
      instrument: "Cam1",
      id: 5,
      full_name: "Ca",
      raft: "C",
      name_in_raft: "a",
      purpose: "SCIENCE",
    };
    assert.equal(await registry.syncDimensionData("detector", record), true);
    assert.equal(await registry.syncDimensionData("detector", record), false);
    await assert.rejects(
      registry.syncDimensionData("detector", { ...record, raft: "D" }),
      (err: Error) => err instanceof ConflictingDefinitionError && /raft/.test(err.message),
    );
    assert.deepEqual(
      await registry.syncDimensionData("detector", { ...record, raft: "D", purpose: "GUIDER" }, true),
      {
        raft: "C",
        purpose: "SCIENCE",
      },
    );
    assert.equal(
      (await registry.getDimensionRecord("detector", { instrument: "Cam1", detector: 5 }))?.raft,
      "D",
    );
  },
);

directOnlyRegistry(
  `${SUITE}: spatial and temporal`,
  "inserting records is an administrator's write, and the htm7 overlap rows are registry internals a server does not expose",
  "spatial and temporal records keep regions and timespans and fill the htm7 overlaps",
  async (registry) => {
    await loadBase(registry);
    await registry.insertDimensionData("day_obs", [{ instrument: "Cam1", id: 20210909 }]);
    const region = square(10, 20, 0.5);
    const span = new Timespan(t("2021-09-09T03:00:00"), t("2021-09-09T03:01:00"));
    await registry.insertDimensionData("visit", [
      {
        instrument: "Cam1",
        id: 1,
        name: "one",
        physical_filter: "Cam1-G",
        day_obs: 20210909,
        region,
        timespan: span,
        exposure_time: 60.5,
      },
      // The region as the encoded bytes' hex, as exports carry it.
      {
        instrument: "Cam1",
        id: 2,
        name: "two",
        physical_filter: "Cam1-R1",
        day_obs: 20210909,
        region: Buffer.from(square(11, 20, 0.5).encode()).toString("hex"),
        timespan: new Timespan(t("2100-01-01T00:00:00") - 5n, null),
      },
    ]);
    const visit = await registry.getDimensionRecord("visit", { instrument: "Cam1", visit: 1 });
    assert.ok(visit !== null);
    assert.ok((visit.timespan as Timespan).equals(span));
    assert.deepEqual([...(visit.region as ConvexPolygon).encode()], [...region.encode()]);
    assert.equal(visit.exposure_time, 60.5);
    const visit2 = await registry.getDimensionRecord("visit", { instrument: "Cam1", visit: 2 });
    assert.equal((visit2!.timespan as Timespan).begin, t("2100-01-01T00:00:00") - 5n);
    const overlaps = await registry.internals.database.rows<{ n: unknown }>(
      sql`SELECT COUNT(*) AS n FROM ${sql.table(overlapTableName("visit"))} WHERE instrument = ${"Cam1"} AND visit = ${1}`,
    );
    assert.ok(Number(overlaps[0]!.n) > 0);
    const expanded = await registry.expandDataId({ instrument: "Cam1", visit: 1 });
    assert.equal(expanded.get("physical_filter"), "Cam1-G");
    assert.equal(expanded.get("band"), "g");
    assert.ok(expanded.timespan?.equals(span));
    // Replacing the region rebuilds the overlaps.
    await registry.insertDimensionData(
      "visit",
      [
        {
          instrument: "Cam1",
          id: 1,
          name: "one",
          physical_filter: "Cam1-G",
          day_obs: 20210909,
          region: square(200, -40, 0.2),
        },
      ],
      { replace: true },
    );
    const rows = await registry.internals.database.rows<{ skypix_index: unknown }>(
      sql`SELECT skypix_index FROM ${sql.table(overlapTableName("visit"))} WHERE visit = ${1}`,
    );
    assert.ok(rows.length > 0);
    const before = new Set(
      (
        await registry.internals.database.rows<{ skypix_index: unknown }>(
          sql`SELECT skypix_index FROM ${sql.table(overlapTableName("visit"))} WHERE visit = ${2}`,
        )
      ).map((r) => Number(r.skypix_index)),
    );
    assert.ok(rows.every((r) => !before.has(Number(r.skypix_index))));
  },
);
