import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { DEFAULT_UNIVERSE_PATH, DimensionUniverse, defaultUniverse } from "../../src/core/index.ts";
import { DimensionConfigError, DimensionNameError, isButlerError } from "../../src/errors/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";

const PEER_UNIVERSE = join(PEER_DATA, "dimensions.yaml");

/** Everything a universe says except documentation, as plain data that deepEqual can compare. */
function describeUniverse(universe: DimensionUniverse): unknown {
  const columns = (
    specs: readonly { name: string; type: string; length?: number; nbytes?: number; nullable: boolean }[],
  ) => specs.map(({ name, type, length, nbytes, nullable }) => ({ name, type, length, nbytes, nullable }));
  return {
    version: universe.version,
    namespace: universe.namespace,
    commonSkyPix: universe.commonSkyPix.name,
    skypix: universe.skypixSystems.map(({ name, pixelizationClass, minLevel, maxLevel }) => ({
      name,
      pixelizationClass,
      minLevel,
      maxLevel,
    })),
    elements: universe.elements.map((e) => ({
      name: e.name,
      kind: e.kind,
      keys: columns(e.keys),
      metadata: columns(e.metadata),
      directRequires: [...e.directRequires].sort(),
      required: e.required,
      implied: e.implied,
      isGovernor: e.isGovernor,
      governor: e.governor,
      isCached: e.isCached,
      hasOwnTable: e.hasOwnTable,
      impliedUnionTarget: e.impliedUnionTarget,
      alwaysJoin: e.alwaysJoin,
      populatedBy: e.populatedBy,
      spatial: e.spatial?.name ?? null,
      temporal: e.temporal?.name ?? null,
    })),
    spatial: universe.spatialFamilies.map((f) => [f.name, f.members]),
    temporal: universe.temporalFamilies.map((f) => [f.name, f.members]),
    packers: universe.packers,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed YAML of arbitrary shape
type Config = Record<string, any>;

const DEFAULT_CONFIG: Config = parse(readFileSync(DEFAULT_UNIVERSE_PATH, "utf8"));

/** A copy of our default config with one edit applied. */
function configWith(edit: (config: Config) => void): Config {
  const config = structuredClone(DEFAULT_CONFIG);
  edit(config);
  return config;
}

describe("default dimension universe", () => {
  const universe = defaultUniverse();

  test("describes exactly the same universe as daf_butler's version 8 config", () => {
    const peer = DimensionUniverse.fromFile(PEER_UNIVERSE);
    assert.deepEqual(describeUniverse(universe), describeUniverse(peer));
    assert.equal(universe.elements.length, 19 + 24 + 17);
  });

  test("records version and namespace, and is loaded once", () => {
    assert.equal(universe.version, 8);
    assert.equal(universe.namespace, "daf_butler");
    assert.equal(defaultUniverse(), universe);
  });

  test("orders elements topologically, level by level, ties by name", () => {
    const named = universe.elements.filter((e) => e.kind !== "skypix").map((e) => e.name);
    assert.deepEqual(named, [
      "band",
      "instrument",
      "skymap",
      "ssp_hypothesis_table",
      "day_obs",
      "detector",
      "group",
      "physical_filter",
      "ssp_balanced_index",
      "ssp_hypothesis_bundle",
      "subfilter",
      "tract",
      "visit_system",
      "exposure",
      "patch",
      "visit",
      "visit_definition",
      "visit_detector_region",
      "visit_system_membership",
    ]);
    for (const element of universe.elements) {
      for (const dep of [...element.required, ...element.implied]) {
        assert.ok(universe.getElement(dep).index <= element.index, `${dep} comes before ${element.name}`);
      }
    }
  });

  test("generates htm1–htm24 and healpix1–healpix17; htm7 is the common skypix", () => {
    const skypix = universe.skypixDimensions.map((d) => d.name);
    assert.equal(skypix.length, 41);
    assert.ok(skypix.includes("htm1") && skypix.includes("htm24") && !skypix.includes("htm25"));
    assert.ok(skypix.includes("healpix17") && !skypix.includes("healpix0") && !skypix.includes("healpix18"));
    assert.equal(universe.commonSkyPix.name, "htm7");
    const htm7 = universe.getElement("htm7");
    assert.equal(htm7.kind, "skypix");
    assert.equal(htm7.skypixLevel, 7);
    assert.equal(htm7.spatial?.name, "htm");
    assert.equal(htm7.primaryKey?.type, "int");
    assert.equal(htm7.hasOwnTable, false);
    assert.deepEqual(
      universe.skypixSystems.map((s) => [s.name, s.minLevel, s.maxLevel]),
      [
        ["htm", 1, 24],
        ["healpix", 1, 17],
      ],
    );
  });

  test("knows governors, keys, column types, metadata and dependencies", () => {
    assert.deepEqual(
      universe.governors.map((g) => g.name),
      ["instrument", "skymap"],
    );
    const detector = universe.getElement("detector");
    assert.deepEqual(detector.required, ["instrument", "detector"]);
    assert.equal(detector.primaryKey?.name, "id");
    assert.deepEqual(detector.alternateKeys, [
      { name: "full_name", type: "string", length: 32, nullable: false, doc: "" },
    ]);
    assert.deepEqual(
      detector.metadata.map((m) => m.name),
      ["name_in_raft", "raft", "purpose"],
    );
    assert.equal(detector.governor, "instrument");
    assert.equal(detector.isCached, true);
    const skymapHash = universe.getElement("skymap").alternateKeys[0]!;
    assert.equal(skymapHash.type, "hash");
    assert.equal(skymapHash.nbytes, 40);
    assert.equal(
      universe.getElement("visit").metadata.find((m) => m.name === "observation_reason")?.length,
      68,
    );
    assert.equal(
      universe.getElement("exposure").metadata.find((m) => m.name === "can_see_sky")?.type,
      "bool",
    );
    assert.equal(universe.getElement("patch").metadata.find((m) => m.name === "cell_x")?.nullable, false);
    assert.equal(universe.getElement("visit").metadata.find((m) => m.name === "seq_num")?.nullable, true);
    assert.deepEqual(universe.getElement("visit").implied, ["day_obs", "physical_filter"]);
    assert.deepEqual(universe.getElement("exposure").implied, ["day_obs", "group", "physical_filter"]);
    assert.deepEqual(universe.getElement("patch").required, ["skymap", "tract", "patch"]);
  });

  test("band has no table of its own; join elements relate dimensions", () => {
    const band = universe.getElement("band");
    assert.equal(band.hasOwnTable, false);
    assert.equal(band.impliedUnionTarget, "physical_filter");
    assert.equal(band.governor, null);
    const vdr = universe.getElement("visit_detector_region");
    assert.equal(vdr.kind, "join");
    assert.equal(vdr.isDimension, false);
    assert.equal(vdr.hasOwnTable, true);
    assert.equal(vdr.primaryKey, null);
    assert.deepEqual(vdr.required, ["instrument", "detector", "visit"]);
    assert.equal(vdr.populatedBy, "visit");
    assert.equal(vdr.alwaysJoin, false);
    assert.equal(universe.getElement("visit_definition").alwaysJoin, true);
    assert.deepEqual(
      universe.elementsPopulatedBy("visit").map((e) => e.name),
      ["visit_definition", "visit_detector_region", "visit_system_membership"],
    );
  });

  test("spatial and temporal families, finest member first", () => {
    assert.deepEqual(
      universe.spatialFamilies.map((f) => [f.name, f.members.length]),
      [
        ["observation_regions", 2],
        ["skymap_regions", 2],
        ["htm", 24],
        ["healpix", 17],
      ],
    );
    assert.deepEqual(universe.temporalFamilies[0]?.members, ["exposure", "visit", "day_obs"]);
    assert.equal(universe.getElement("visit").isSpatial, true);
    assert.equal(universe.getElement("visit").isTemporal, true);
    assert.equal(universe.getElement("exposure").isSpatial, false);
    assert.equal(universe.getElement("day_obs").temporal?.name, "observation_timespans");
    assert.equal(universe.getElement("tract").spatial?.name, "skymap_regions");
  });

  test("record fields follow table order with region and timespan last", () => {
    const fields = universe.getElement("visit").recordFields;
    assert.deepEqual(
      fields.map((f) => `${f.name}:${f.role}`),
      [
        "instrument:required",
        "id:key",
        "day_obs:implied",
        "physical_filter:implied",
        "name:alternateKey",
        "seq_num:metadata",
        "exposure_time:metadata",
        "target_name:metadata",
        "observation_reason:metadata",
        "science_program:metadata",
        "azimuth:metadata",
        "zenith_angle:metadata",
        "region:region",
        "timespan:timespan",
      ],
    );
    const instrument = fields[0]!;
    assert.deepEqual(
      [instrument.type, instrument.length, instrument.dimension],
      ["string", 32, "instrument"],
    );
    assert.deepEqual(
      universe.getElement("visit_detector_region").recordFields.map((f) => f.name),
      ["instrument", "detector", "visit", "region"],
    );
    assert.deepEqual(
      universe.getElement("htm7").recordFields.map((f) => f.name),
      ["id", "region"],
    );
    assert.throws(() => universe.getElement("visit").getRecordField("seeing"), /accepted: instrument, id/);
  });

  test("unknown names are typed errors listing what is accepted", () => {
    assert.throws(
      () => universe.getElement("visits"),
      (err: unknown) =>
        err instanceof DimensionNameError &&
        err.code === "DIMENSION_NAME" &&
        err.key === "visits" &&
        /accepted: .*visit.*htm1–htm24/.test(err.message),
    );
    assert.throws(() => universe.getDimension("visit_detector_region"), /join element, not a dimension/);
    assert.equal(universe.hasElement("visit_detector_region"), true);
    assert.equal(universe.hasDimension("visit_detector_region"), false);
  });

  test("compatibility with an export's universe depends on the namespace only", () => {
    assert.equal(universe.isCompatibleWith({ version: 6, namespace: "daf_butler" }), true);
    assert.equal(universe.isCompatibleWith({ version: 8, namespace: "other" }), false);
  });
});

describe("loading universe configs", () => {
  test("accepts the older versions exports declare and records them", () => {
    const v7 = DimensionUniverse.fromConfig(
      configWith((c) => {
        c.version = 7;
        for (const name of ["ssp_hypothesis_table", "ssp_hypothesis_bundle", "ssp_balanced_index"])
          delete c.elements[name];
      }),
    );
    assert.equal(v7.version, 7);
    assert.equal(v7.hasElement("ssp_hypothesis_table"), false);
    const v6 = DimensionUniverse.fromConfig(
      configWith((c) => {
        c.version = 6;
        c.elements.exposure.metadata = c.elements.exposure.metadata.filter(
          (m: { name: string }) => m.name !== "can_see_sky",
        );
      }),
    );
    assert.equal(v6.version, 6);
    assert.equal(v6.namespace, "daf_butler");
  });

  test("reads the modern element form (is_cached, implied_union_target)", () => {
    const universe = DimensionUniverse.fromConfig(
      configWith((c) => {
        c.elements.band = {
          keys: [{ name: "name", type: "string", length: 32 }],
          implied_union_target: "physical_filter",
        };
        c.elements.detector.storage = undefined;
        c.elements.detector.is_cached = true;
      }),
    );
    assert.equal(universe.getElement("band").hasOwnTable, false);
    assert.equal(universe.getElement("detector").isCached, true);
  });

  test("does not depend on the order of the config file", () => {
    const reversed = configWith((c) => {
      c.elements = Object.fromEntries(Object.entries(c.elements).reverse());
    });
    assert.deepEqual(
      DimensionUniverse.fromConfig(reversed).elements.map((e) => e.name),
      defaultUniverse().elements.map((e) => e.name),
    );
  });

  const broken: [string, (c: Config) => void, RegExp][] = [
    [
      "an unknown element field",
      (c) => (c.elements.visit.requirez = ["instrument"]),
      /unknown field 'requirez'/,
    ],
    [
      "an unknown column type",
      (c) => (c.elements.visit.metadata[0].type = "integer"),
      /accepted: int, string, float/,
    ],
    ["a string without length", (c) => delete c.elements.visit.metadata[2].length, /need a positive length/],
    ["a hash without nbytes", (c) => delete c.elements.skymap.keys[1].nbytes, /need a positive nbytes/],
    ["a float primary key", (c) => (c.elements.tract.keys[0].type = "float"), /must be int or string/],
    [
      "a dependency on a join element",
      (c) => (c.elements.tract.requires = ["visit_definition"]),
      /not a dimension/,
    ],
    [
      "an unknown dependency",
      (c) => (c.elements.tract.requires = ["skymapp"]),
      /'skymapp', which is not a dimension/,
    ],
    [
      "a cycle",
      (c) =>
        (c.elements.instrument = {
          keys: [{ name: "name", type: "string", length: 8 }],
          requires: ["detector"],
        }),
      /cycle/,
    ],
    [
      "a governor with dependencies",
      (c) => (c.elements.skymap.requires = ["instrument"]),
      /governor may not require/,
    ],
    [
      "a bad common skypix",
      (c) => (c.skypix.common = "htm99"),
      /not a skypix dimension; accepted: htm1–htm24/,
    ],
    [
      "an unknown family member",
      (c) => c.topology.spatial.skymap_regions.push("tracts"),
      /member 'tracts' is unknown/,
    ],
    ["a negative version", (c) => (c.version = -1), /non-negative integer/],
    ["an unknown storage class", (c) => (c.elements.tract.storage.cls = "x.Foo"), /accepted: BasicGovernor/],
  ];
  for (const [what, edit, message] of broken) {
    test(`rejects ${what}`, () => {
      assert.throws(
        () => DimensionUniverse.fromConfig(configWith(edit)),
        (err: unknown) =>
          err instanceof DimensionConfigError &&
          isButlerError(err, "DIMENSION_CONFIG") &&
          message.test(err.message),
      );
    });
  }

  test("round-trips its config as JSON, as a repository stores it", () => {
    const stored = JSON.parse(JSON.stringify(defaultUniverse().config));
    assert.deepEqual(
      describeUniverse(DimensionUniverse.fromConfig(stored)),
      describeUniverse(defaultUniverse()),
    );
  });

  test("rejects a missing file", () => {
    assert.throws(
      () => DimensionUniverse.fromFile("/nonexistent/dimensions.yaml"),
      /cannot read dimension config/,
    );
  });

  test("rejects text that is not YAML", () => {
    assert.throws(() => DimensionUniverse.fromYaml("version: [8"), DimensionConfigError);
  });
});
