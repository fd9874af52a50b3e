/**
 * Lookup priority for templates and formatters (daf_butler's rules): instrument section → dataset type
 * → parent dataset type → dimensions → storage class → inherited storage class → parent storage class
 * → default; the default templates, and the raw one for `physical_filter+detector+exposure`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DataCoordinate,
  DatasetRef,
  DatasetType,
  defaultStorageClasses,
  makeDimensionRecord,
} from "../../src/core/index.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { lookupSubject } from "../../src/datastore/lookup.ts";
import { FileTemplates, RAW_TEMPLATE } from "../../src/datastore/templates.ts";
import { DatastoreConfigError, FileTemplateError, FormatterLookupError } from "../../src/errors/index.ts";
import { instrumentRef, universe, visitRef } from "./helpers.ts";

const storageClasses = defaultStorageClasses();

function rawRef(instrument = "HSC"): DatasetRef {
  const dims = universe.conform(["instrument", "exposure", "detector"]);
  const type = new DatasetType("raw", dims, "ExposureU");
  const dataId = DataCoordinate.standardize(
    {
      instrument,
      exposure: 903334,
      detector: 16,
      physical_filter: "HSC-I",
      band: "i",
      day_obs: 20130617,
      group: "g1",
    },
    { dimensions: dims },
  );
  const records = Object.fromEntries(dims.elements.map((e) => [e, null])) as Record<string, never>;
  const exposure = makeDimensionRecord(universe.getElement("exposure"), {
    instrument,
    id: 903334,
    day_obs: 20130617,
    group: "g1",
    physical_filter: "HSC-I",
    obs_id: "HSCA90333400",
  });
  const detector = makeDimensionRecord(universe.getElement("detector"), {
    instrument,
    id: 16,
    full_name: "1_42",
  });
  return new DatasetRef(type, dataId.expanded({ ...records, exposure, detector } as never), "HSC/raw/all");
}

describe("file template lookup", () => {
  const config = {
    default: "default/{run}/{datasetType}/{id}",
    Exposure: "inherited/{run}/{datasetType}/{id}",
    ExposureF: "storageClass/{run}/{datasetType}/{id}",
    "instrument+visit+detector": "dimensions/{run}/{datasetType}/{visit}_{detector}",
    calexp: "datasetType/{run}/{datasetType}/{visit}_{detector}",
    "calexp.wcs": "component/{run}/{datasetType}.{component}/{visit}_{detector}",
    "instrument<LSSTCam>": { calexp: "lsstcam/{run}/{datasetType}/{visit}_{detector}" },
  };
  const dir = (templates: FileTemplates, ref: DatasetRef) => templates.pathFor(ref).split("/")[0];

  test("each rule in priority order", () => {
    const full = new FileTemplates(config, { defaults: false });
    const calexp = visitRef("calexp", "ExposureF");
    assert.equal(dir(full, calexp), "datasetType");
    assert.equal(full.lookup(calexp).key, "calexp");
    assert.equal(dir(full, calexp.makeComponentRef("wcs", "Wcs")), "component");
    // A component with no entry of its own falls back to its parent's name.
    // (that template has no {component}, so formatting it for a component is refused).
    const psf = calexp.makeComponentRef("psf", "Psf");
    assert.equal(full.lookup(psf).key, "calexp");
    assert.throws(() => full.pathFor(psf), /is a component but the template has no \{component\} field/);
    // Other dataset types: dimensions, then storage class, then inherited storage class, then default.
    assert.equal(dir(full, visitRef("deepDiff", "ExposureI")), "dimensions");
    const noDims = new FileTemplates(
      { ...config, "instrument+visit+detector": "unused/{id}" },
      { defaults: false },
    );
    assert.equal(dir(noDims, instrumentRef("bias", "ExposureF")), "storageClass");
    assert.equal(dir(noDims, instrumentRef("bias", "ExposureI")), "inherited");
    assert.equal(dir(noDims, instrumentRef("config", "StructuredDataDict")), "default");
  });

  test("an instrument section wins for that instrument only", () => {
    const templates = new FileTemplates(config, { defaults: false });
    const dims = universe.conform(["instrument", "visit", "detector"]);
    const dataId = DataCoordinate.standardize(
      {
        instrument: "LSSTCam",
        visit: 5,
        detector: 94,
        physical_filter: "r_57",
        band: "r",
        day_obs: 20240101,
      },
      { dimensions: dims },
    );
    const lsst = new DatasetRef(new DatasetType("calexp", dims, "ExposureF"), dataId, "run");
    assert.equal(templates.lookup(lsst).key, "instrument<LSSTCam>/calexp");
    assert.equal(templates.pathFor(lsst), "lsstcam/run/calexp/5_94");
    assert.equal(templates.lookup(visitRef("calexp", "ExposureF")).key, "calexp");
  });

  test("the default template and the raw one", () => {
    const templates = new FileTemplates();
    const calexp = visitRef("calexp", "ExposureF");
    assert.equal(
      templates.pathFor(calexp),
      "HSC/runs/test/calexp/20130617/i/HSC-I/903334/calexp_HSC_i_HSC-I_903334_1_16_HSC_runs_test",
    );
    const raw = rawRef();
    assert.equal(templates.lookup(raw).key, "physical_filter+detector+exposure");
    assert.equal(templates.lookup(raw).template.template, RAW_TEMPLATE);
    assert.equal(
      templates.pathFor(raw),
      "HSC/raw/all/raw/20130617/HSC-I/HSCA90333400/raw_HSC_HSC-I_HSCA90333400_1_42_HSC_raw_all",
    );
    assert.equal(
      templates.pathFor(calexp.makeComponentRef("wcs", "Wcs")),
      "HSC/runs/test/calexp.wcs/20130617/i/HSC-I/903334/calexp_wcs_HSC_i_HSC-I_903334_1_16_HSC_runs_test",
    );
  });

  test("bad templates are refused when the config is loaded", () => {
    assert.throws(() => new FileTemplates({ calexp: "{run}/../{datasetType}" }), FileTemplateError);
    assert.throws(() => new FileTemplates({ calexp: "{datasetType}" }), FileTemplateError);
    assert.throws(() => new FileTemplates({ "instrument<HSC>": "x" as never }), DatastoreConfigError);
    assert.throws(
      () => new FileTemplates({}, { defaults: false }).lookup(visitRef("calexp", "ExposureF")),
      FormatterLookupError,
    );
  });
});

describe("formatter lookup", () => {
  test("dataset type beats storage class, which beats its parent class, then default", () => {
    const registry = new FormatterRegistry({
      lookups: {
        calexp: { formatter: "FitsExposureFormatter", recipe: "noCompression" },
        ExposureI: "JsonFormatter",
        StructuredDataDict: "JsonFormatter",
        default: "YamlFormatter",
        "instrument<LSSTCam>": { calexp: { formatter: "FitsExposureFormatter", recipe: "lossy16" } },
      },
    });
    const pick = (ref: DatasetRef) =>
      registry.lookup(
        lookupSubject(
          ref.datasetType,
          storageClasses.get(ref.datasetType.storageClass),
          ref.dataId.get("instrument"),
        ),
      );
    assert.deepEqual(pick(visitRef("calexp", "ExposureF")), {
      formatter: "FitsExposureFormatter",
      recipe: "noCompression",
      key: "calexp",
    });
    assert.deepEqual(pick(visitRef("calexp", "ExposureF").makeComponentRef("wcs", "Wcs")).key, "calexp");
    assert.equal(pick(visitRef("diff", "ExposureI")).formatter, "JsonFormatter");
    // ExposureF has no entry of its own: the default lookups' Exposure entry (its parent class) applies.
    assert.deepEqual(pick(visitRef("diff", "ExposureF")), {
      formatter: "FitsExposureFormatter",
      recipe: "lossless",
      key: "Exposure",
    });
    assert.equal(pick(instrumentRef("cfg", "StructuredDataDict")).formatter, "JsonFormatter");
    assert.equal(pick(instrumentRef("cfg", "StructuredDataList")).formatter, "YamlFormatter");
    assert.equal(pick(instrumentRef("packages", "Packages")).key, "Packages");
    assert.equal(pick(instrumentRef("x", "Wcs")).key, "default");
  });

  test("no match and bad entries are typed errors", () => {
    const empty = new FormatterRegistry({ defaults: false });
    assert.throws(
      () => empty.lookup(lookupSubject(visitRef("calexp", "ExposureF").datasetType)),
      (err: unknown) =>
        err instanceof FormatterLookupError &&
        /no formatter is configured for dataset type calexp/.test(err.message),
    );
    assert.throws(
      () => new FormatterRegistry({ lookups: { calexp: { formatter: 3 } as never } }),
      DatastoreConfigError,
    );
  });
});
