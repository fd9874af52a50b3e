// The query tests of daf_butler's registry test suite (python/lsst/daf/butler/registry/tests/
// _registry.py): ordering, limits, governor values, timespans and spatial joins on the peer files.
// Where daf_butler's old query system returned duplicate rows (an artefact of its join through the
// common sky pixelization), our queries return each data ID once: the expected sequences are
// daf_butler's with the repeats removed, and its offsets (counted in doubled rows) are halved.
import assert from "node:assert/strict";
import { type DimensionRecord, Timespan } from "../../src/core/index.ts";
import { DataIdValueError, InvalidQueryError } from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import { HtmPixelization, type Region } from "../../src/sphgeom/index.ts";
import { timeToDate } from "../../src/time/index.ts";
import { bothWays, registryRepo } from "../support/both-ways.ts";
import { keysOf, loadPeer, missingPeer, valuesOf } from "./ported-support.ts";

const SPATIAL = missingPeer("base.yaml", "datasets.yaml", "spatial.yaml");
const HSC = missingPeer("hsc-rc2-subset.yaml");
const CAM1 = { instrument: "Cam1", skymap: "SkyMap1" };

function regionOf(record: DimensionRecord): Region {
  assert.ok(record.region, "record without a region");
  return record.region as Region;
}

bothWays(
  "testQueryDataIdsOrderBy (daf_butler _registry.py)",
  {
    make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml", "spatial.yaml")),
    skip: SPATIAL,
  },
  (suite) => {
    suite.test("orderBy, limit and offset on data IDs", async ({ butler: { registry } }) => {
      const run = (
        keys: string[],
        orderBy: string,
        more: { limit?: number; offset?: number; datasets?: string; collections?: string } = {},
      ) =>
        registry
          .queryDataIds(keys, { dataId: CAM1, orderBy: orderBy.split(","), ...more })
          .then((r) => keysOf(r, keys));
      const tv = ["tract", "visit"];
      const cases: [string[], string, { limit?: number; offset?: number }, number[][]][] = [
        [
          tv,
          "tract,visit",
          {},
          [
            [0, 1],
            [0, 2],
            [1, 2],
          ],
        ],
        [
          tv,
          "-tract,visit",
          {},
          [
            [1, 2],
            [0, 1],
            [0, 2],
          ],
        ],
        [
          tv,
          "tract,-visit",
          {},
          [
            [0, 2],
            [0, 1],
            [1, 2],
          ],
        ],
        [
          tv,
          "-tract,-visit",
          {},
          [
            [1, 2],
            [0, 2],
            [0, 1],
          ],
        ],
        [
          tv,
          "tract.id,visit.id",
          { limit: 2 },
          [
            [0, 1],
            [0, 2],
          ],
        ],
        [
          tv,
          "-tract,-visit",
          { limit: 2 },
          [
            [1, 2],
            [0, 2],
          ],
        ],
        [
          tv,
          "tract,visit",
          { limit: 3, offset: 1 },
          [
            [0, 2],
            [1, 2],
          ],
        ],
        [tv, "-tract,-visit", { limit: 3, offset: 2 }, [[0, 1]]],
        [
          tv,
          "tract,visit.exposure_time",
          {},
          [
            [0, 2],
            [0, 1],
            [1, 2],
          ],
        ],
        [
          tv,
          "-tract,-visit.exposure_time",
          {},
          [
            [1, 2],
            [0, 1],
            [0, 2],
          ],
        ],
        [
          tv,
          "tract,-exposure_time",
          {},
          [
            [0, 1],
            [0, 2],
            [1, 2],
          ],
        ],
        [
          tv,
          "tract,visit.name",
          {},
          [
            [0, 1],
            [0, 2],
            [1, 2],
          ],
        ],
        [
          tv,
          "tract,-timespan.begin,timespan.end",
          {},
          [
            [0, 2],
            [0, 1],
            [1, 2],
          ],
        ],
        [["visit", "exposure"], "visit.day_obs,exposure.day_obs", {}, []],
        [["visit", "exposure"], "visit.timespan.begin,-exposure.timespan.begin", {}, []],
      ];
      for (const [keys, orderBy, more, expected] of cases) {
        assert.deepEqual(await run(keys, orderBy, more), expected, `${orderBy} ${JSON.stringify(more)}`);
      }
      const td = ["tract", "detector"];
      const byDetector = [
        [0, 1],
        [0, 2],
        [0, 3],
        [0, 4],
        [1, 1],
        [1, 2],
        [1, 3],
        [1, 4],
      ];
      for (const orderBy of [
        "tract,detector",
        "tract,detector.full_name",
        "tract,detector.raft,detector.name_in_raft",
      ]) {
        assert.deepEqual(
          await run(td, orderBy, { datasets: "flat", collections: "imported_r" }),
          byDetector,
          orderBy,
        );
      }
      // Errors in the names.
      const fails = async (keys: string[], orderBy: string, pattern: RegExp) =>
        assert.rejects(
          registry.queryDataIds(keys, { dataId: CAM1, orderBy: [orderBy] }),
          (e: Error) => e instanceof InvalidQueryError && pattern.test(e.message),
          orderBy,
        );
      for (const o of ["", "-"]) await fails(tv, o, /empty/);
      for (const o of ["undimension.name", "-undimension.name"]) await fails(tv, o, /undimension/);
      for (const o of ["attract", "-attract"]) await fails(tv, o, /attract/);
      await fails(["exposure", "visit"], "exposure_time", /ambiguous/);
      await fails(["exposure", "visit"], "timespan.begin", /ambiguous/);
      await fails(["tract"], "timespan.begin", /timespan/);
      await fails(["tract"], "tract.timespan.begin", /timespan/);
      await fails(["tract"], "tract.name", /name/);
    });
  },
);

bothWays(
  "testQueryDataIdsGovernorExceptions (daf_butler _registry.py)",
  {
    make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml", "spatial.yaml")),
    skip: SPATIAL,
  },
  (suite) => {
    suite.test("unknown governor values are DataIdValueErrors", async ({ butler: { registry } }) => {
      const count = (options: Parameters<Registry["queryDataIds"]>[1]) =>
        registry.queryDataIds(["tract", "visit"], options).then((r) => r.length);
      // daf_butler counts 6 rows: each of these 3 data IDs twice (see the header).
      assert.equal(await count({}), 3);
      assert.equal(await count({ dataId: { instrument: "Cam1", skymap: "SkyMap1" } }), 3);
      assert.equal(await count({ where: "instrument='Cam1' AND skymap='SkyMap1'" }), 3);
      assert.equal(
        await count({ where: "instrument=cam AND skymap=map", bind: { cam: "Cam1", map: "SkyMap1" } }),
        3,
      );
      await assert.rejects(count({ dataId: { instrument: "Cam2", skymap: "SkyMap1" } }), DataIdValueError);
      await assert.rejects(count({ dataId: { instrument: "Cam1", skymap: "SkyMap2" } }), DataIdValueError);
    });

    suite.test(
      "unknown governor values in the where expression are DataIdValueErrors",
      async ({ butler: { registry } }) => {
        await assert.rejects(
          registry.queryDataIds(["tract", "visit"], { where: "instrument='Cam1' AND skymap='SkyMap5'" }),
          DataIdValueError,
        );
        await assert.rejects(
          registry.queryDataIds(["tract", "visit"], {
            where: "instrument=cam AND skymap=map",
            bind: { cam: "Cam", map: "SkyMap" },
          }),
          DataIdValueError,
        );
      },
    );
  },
);

bothWays(
  "testQueryDimensionRecordsOrderBy (daf_butler _registry.py)",
  {
    make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml", "spatial.yaml")),
    skip: SPATIAL,
  },
  (suite) => {
    suite.test("orderBy, limit and offset on dimension records", async ({ butler: { registry } }) => {
      const ids = (element: string, orderBy: string, more: { limit?: number; offset?: number } = {}) =>
        registry
          .queryDimensionRecords(element, {
            dataId: { instrument: "Cam1" },
            orderBy: orderBy.split(","),
            ...more,
          })
          .then((r) => r.map((x) => x.id));
      assert.equal(
        (await registry.queryDimensionRecords("detector", { dataId: { instrument: "Cam1" } })).length,
        4,
      );
      const cases: [string, string, { limit?: number; offset?: number }, number[]][] = [
        ["detector", "detector", {}, [1, 2, 3, 4]],
        ["detector", "-detector", {}, [4, 3, 2, 1]],
        ["detector", "raft,-name_in_raft", {}, [2, 1, 4, 3]],
        ["detector", "-detector.purpose", { limit: 1 }, [4]],
        ["detector", "-purpose,detector.raft,name_in_raft", { limit: 2, offset: 2 }, [2, 3]],
        ["visit", "visit", {}, [1, 2]],
        ["visit", "-visit.id", {}, [2, 1]],
        ["visit", "zenith_angle", {}, [1, 2]],
        ["visit", "-visit.name", {}, [2, 1]],
        ["visit", "day_obs,-timespan.begin", {}, [2, 1]],
      ];
      for (const [element, orderBy, more, expected] of cases) {
        assert.deepEqual(await ids(element, orderBy, more), expected, `${element}: ${orderBy}`);
      }
      const fails = (orderBy: string, pattern: RegExp) =>
        assert.rejects(
          registry.queryDimensionRecords("detector", { dataId: { instrument: "Cam1" }, orderBy: [orderBy] }),
          (e: Error) => e instanceof InvalidQueryError && pattern.test(e.message),
          orderBy,
        );
      for (const o of ["", "-"]) await fails(o, /empty/);
      for (const o of ["undimension.name", "-undimension.name"]) await fails(o, /undimension/);
      for (const o of ["attract", "-attract"]) await fails(o, /attract/);
    });
  },
);

bothWays(
  "testQueryDimensionRecordsExceptions (daf_butler _registry.py)",
  {
    make: registryRepo((registry) => loadPeer(registry, "base.yaml", "datasets.yaml", "spatial.yaml")),
    skip: SPATIAL,
  },
  (suite) => {
    suite.test("governor values given four ways; unknown ones raise", async ({ butler: { registry } }) => {
      const count = (options: Parameters<Registry["queryDimensionRecords"]>[1]) =>
        registry.queryDimensionRecords("detector", options).then((r) => r.length);
      assert.equal(await count({}), 4);
      assert.equal(await count({ dataId: { instrument: "Cam1" } }), 4);
      assert.equal(await count({ where: "instrument='Cam1'" }), 4);
      assert.equal(await count({ where: "instrument=instr", bind: { instr: "Cam1" } }), 4);
      await assert.rejects(count({ dataId: { instrument: "NotCam1" } }), DataIdValueError);
    });

    suite.test(
      "an unknown governor value in the where expression raises",
      async ({ butler: { registry } }) => {
        await assert.rejects(
          registry.queryDimensionRecords("detector", { where: "instrument='NotCam1'" }),
          DataIdValueError,
        );
        await assert.rejects(
          registry.queryDimensionRecords("detector", {
            where: "instrument=instr",
            bind: { instr: "NotCam1" },
          }),
          DataIdValueError,
        );
      },
    );
  },
);

bothWays(
  "testTimespanQueries (daf_butler _registry.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test(
      "OVERLAPS, < and > between timespans, times, binds and literals",
      async ({ butler: { registry } }) => {
        const visits = new Map<number, Timespan>();
        for (const record of await registry.queryDimensionRecords("visit")) {
          visits.set(record.id as number, record.timespan!);
        }
        const ids = [...visits.keys()].sort((a, b) => a - b);
        assert.ok(ids.length > 20);
        const n = ids.length;
        const [i1, i2, i3, i4] = [0.1, 0.3, 0.6, 0.8].map((f) => Math.floor(n * f)) as [
          number,
          number,
          number,
          number,
        ];
        const span = (i: number) => visits.get(ids[i]!)!;
        const second = 1_000_000_000n;
        const t1 = span(i1).begin! - second;
        assert.ok(t1 > span(i1 - 1).end!);
        const t2 = span(i2).begin!;
        const t3 = span(i3).begin! + second;
        assert.ok(t3 < span(i3).end!);
        const t4 = span(i4).end!;
        assert.ok(t1 < t2 && t2 < t3 && t3 < t4);
        // The peer times have millisecond precision, so Dates carry them exactly.
        for (const t of [t1, t2, t3, t4]) assert.equal(t % 1_000_000n, 0n);
        const bind = {
          t1: timeToDate(t1),
          t2: timeToDate(t2),
          t3: timeToDate(t3),
          t4: timeToDate(t4),
          ts23: new Timespan(t2, t3),
        };
        const query = async (where: string) =>
          valuesOf(
            await registry.queryDataIds("visit", { dataId: { instrument: "HSC" }, bind, where }),
            "visit",
          );
        const t3Literal = `T'${timeToDate(t3).toISOString().replace("Z", "")}/utc'`;
        assert.deepEqual(await query("visit.timespan OVERLAPS (null, t1)"), ids.slice(0, i1));
        assert.deepEqual(await query("(t1, t2) OVERLAPS visit.timespan"), ids.slice(i1, i2));
        assert.deepEqual(await query("visit.timespan < (t2, t4)"), ids.slice(0, i2));
        assert.deepEqual(await query("visit.timespan OVERLAPS ts23"), ids.slice(i2, i3 + 1));
        assert.deepEqual(await query("visit.timespan > (t1, t3)"), ids.slice(i3 + 1));
        assert.deepEqual(await query(`visit.timespan OVERLAPS (${t3Literal}, t4)`), ids.slice(i3, i4 + 1));
        assert.deepEqual(await query("visit.timespan OVERLAPS (t4, NULL)"), ids.slice(i4 + 1));
        assert.deepEqual(await query("visit.timespan < t2"), ids.slice(0, i2));
        assert.deepEqual(await query("t2 > visit.timespan"), ids.slice(0, i2));
        assert.deepEqual(await query("visit.timespan > t3"), ids.slice(i3 + 1));
        assert.deepEqual(await query("t3 < visit.timespan"), ids.slice(i3 + 1));
        assert.deepEqual(await query("visit.timespan OVERLAPS t3"), ids.slice(i3, i3 + 1));
        assert.deepEqual(await query(`${t3Literal} OVERLAPS visit.timespan`), ids.slice(i3, i3 + 1));
        // An empty timespan overlaps nothing.
        assert.deepEqual(await query("visit.timespan OVERLAPS (t3, t2)"), []);
      },
    );
  },
);

bothWays(
  "testExposureQueries (daf_butler _registry.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test("ordering by id and full_name with limits", async ({ butler: { registry } }) => {
      const hsc = { instrument: "HSC" };
      assert.deepEqual(
        (await registry.queryDimensionRecords("visit", { dataId: hsc, orderBy: "id", limit: 5 })).map(
          (r) => r.id,
        ),
        [318, 322, 326, 330, 332],
      );
      assert.deepEqual(
        keysOf(await registry.queryDataIds(["visit"], { dataId: hsc, orderBy: "id", limit: 5 }), [
          "visit",
        ]).flat(),
        [318, 322, 326, 330, 332],
      );
      assert.deepEqual(
        (
          await registry.queryDimensionRecords("detector", { dataId: hsc, orderBy: "full_name", limit: 5 })
        ).map((r) => r.id),
        [73, 72, 71, 70, 65],
      );
      assert.deepEqual(
        keysOf(await registry.queryDataIds(["detector"], { dataId: hsc, orderBy: "full_name", limit: 5 }), [
          "detector",
        ]).flat(),
        [73, 72, 71, 70, 65],
      );
    });
  },
);

bothWays(
  "test_skypix_constraint_queries (daf_butler _registry.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test(
      "a data ID with a non-common sky pixel constrains patches",
      async ({ butler: { registry } }) => {
        const patches = new Map<string, Region>();
        for (const r of await registry.queryDimensionRecords("patch"))
          patches.set(`${r.tract}/${r.id}`, regionOf(r));
        const level = 11;
        assert.notEqual(`htm${level}`, registry.universe.commonSkyPix.name);
        const htm = new HtmPixelization(level);
        // A pixel that overlaps some patches but not all.
        let chosen: { id: number; overlapping: string[] } | undefined;
        search: for (const region of patches.values()) {
          for (const [begin, end] of htm.envelope(region)) {
            for (let id = begin; id < end; id++) {
              const pixel = htm.pixel(id);
              const overlapping = [...patches].filter(([, r]) => r.overlaps(pixel)).map(([k]) => k);
              if (overlapping.length > 0 && overlapping.length < patches.size) {
                chosen = { id, overlapping };
                break search;
              }
            }
          }
        }
        assert.ok(chosen !== undefined, "no usable sky pixel");
        const found = await registry.queryDataIds(["patch"], { dataId: { [`htm${level}`]: chosen.id } });
        assert.deepEqual(
          found.map((d) => `${d.get("tract")}/${d.get("patch")}`).sort(),
          chosen.overlapping.sort(),
        );
      },
    );
  },
);

bothWays(
  "test_spatial_constraint_queries (daf_butler _registry.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test(
      "one spatial dimension in the constraint, another in the results",
      async ({ butler: { registry } }) => {
        const patches = new Map<string, Region>();
        for (const r of await registry.queryDimensionRecords("patch"))
          patches.set(`${r.tract}/${r.id}`, regionOf(r));
        const observations = new Map<string, Region>();
        for (const r of await registry.queryDimensionRecords("visit_detector_region")) {
          observations.set(`${r.visit}/${r.detector}`, regionOf(r));
        }
        const byPatch = new Map<string, Set<string>>();
        const byObservation = new Map<string, Set<string>>();
        const overlapping = new Set<string>();
        for (const [p, pr] of patches) {
          for (const [o, or] of observations) {
            if (!pr.overlaps(or)) continue;
            overlapping.add(`${p}|${o}`);
            if (!byPatch.has(p)) byPatch.set(p, new Set());
            byPatch.get(p)!.add(o);
            if (!byObservation.has(o)) byObservation.set(o, new Set());
            byObservation.get(o)!.add(p);
          }
        }
        assert.ok(overlapping.size > 2);
        const joined = await registry.queryDataIds(["patch", "visit", "detector"]);
        assert.deepEqual(
          new Set(
            joined.map((d) => `${d.get("tract")}/${d.get("patch")}|${d.get("visit")}/${d.get("detector")}`),
          ),
          overlapping,
        );
        const patch = [...byPatch].find(([, s]) => s.size > 0 && s.size < observations.size)![0];
        const observation = [...byObservation].find(([, s]) => s.size > 0 && s.size < patches.size)![0];
        const [tract, patchId] = patch.split("/").map(Number) as [number, number];
        const [visit, detector] = observation.split("/").map(Number) as [number, number];
        const obsKeys = (r: Awaited<ReturnType<Registry["queryDataIds"]>>) =>
          new Set(r.map((d) => `${d.get("visit")}/${d.get("detector")}`));
        const patchKeys = (r: Awaited<ReturnType<Registry["queryDataIds"]>>) =>
          new Set(r.map((d) => `${d.get("tract")}/${d.get("patch")}`));
        assert.deepEqual(
          obsKeys(
            await registry.queryDataIds(["visit", "detector"], {
              where: `tract=${tract} AND patch=${patchId}`,
              dataId: { skymap: "hsc_rings_v1" },
            }),
          ),
          byPatch.get(patch),
        );
        assert.deepEqual(
          patchKeys(
            await registry.queryDataIds(["patch"], {
              where: `visit=${visit} AND detector=${detector}`,
              dataId: { instrument: "HSC" },
            }),
          ),
          byObservation.get(observation),
        );
        assert.deepEqual(
          obsKeys(
            await registry.queryDataIds(["visit", "detector"], {
              dataId: { skymap: "hsc_rings_v1", tract, patch: patchId },
            }),
          ),
          byPatch.get(patch),
        );
        assert.deepEqual(
          patchKeys(
            await registry.queryDataIds(["patch"], { dataId: { instrument: "HSC", visit, detector } }),
          ),
          byObservation.get(observation),
        );
      },
    );
  },
);

bothWays(
  "testSpatialJoin (daf_butler _registry.py)",
  { make: registryRepo((registry) => loadPeer(registry, "hsc-rc2-subset.yaml")), skip: HSC },
  (suite) => {
    suite.test(
      "joins of observation and skymap elements match a brute-force overlap test",
      async ({ butler: { registry } }) => {
        const regions = async (element: string, key: (r: DimensionRecord) => string) => {
          const out = new Map<string, Region>();
          for (const r of await registry.queryDimensionRecords(element)) out.set(key(r), regionOf(r));
          return out;
        };
        const observation = {
          visit: { dims: ["visit"], key: (r: DimensionRecord) => `${r.id}`, dataKey: ["visit"] },
          visit_detector_region: {
            dims: ["visit", "detector"],
            key: (r: DimensionRecord) => `${r.visit}/${r.detector}`,
            dataKey: ["visit", "detector"],
          },
        };
        const sky = {
          tract: { dims: ["tract"], key: (r: DimensionRecord) => `${r.id}`, dataKey: ["tract"] },
          patch: {
            dims: ["patch"],
            key: (r: DimensionRecord) => `${r.tract}/${r.id}`,
            dataKey: ["tract", "patch"],
          },
        };
        for (const [e1, a] of Object.entries(observation)) {
          const r1 = await regions(e1, a.key);
          for (const [e2, b] of Object.entries(sky)) {
            const r2 = await regions(e2, b.key);
            const expected = new Set<string>();
            for (const [k1, g1] of r1)
              for (const [k2, g2] of r2) if (g1.overlaps(g2)) expected.add(`${k1}|${k2}`);
            assert.ok(expected.size > 2, `${e1} × ${e2}: nothing to compare`);
            const found = await registry.queryDataIds([...a.dims, ...b.dims]);
            const got = new Set(
              found.map(
                (d) =>
                  `${a.dataKey.map((k) => d.get(k)).join("/")}|${b.dataKey.map((k) => d.get(k)).join("/")}`,
              ),
            );
            assert.deepEqual(got, expected, `${e1} × ${e2}`);
          }
        }
      },
    );
  },
);
