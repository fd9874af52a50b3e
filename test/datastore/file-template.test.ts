import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FileTemplate, type TemplateInput } from "../../src/datastore/file-template.ts";
import { FileTemplateError } from "../../src/errors/index.ts";

const dataId = { instrument: "dummy", visit: 52, physical_filter: "U" };

function input(datasetType: string, overrides: Partial<TemplateInput> = {}): TemplateInput {
  const dot = datasetType.indexOf(".");
  const base: TemplateInput = {
    datasetType: dot < 0 ? datasetType : datasetType.slice(0, dot),
    run: "run2",
    id: "e0b3f0a6-8d2c-4c1e-9a57-0f8c8d0f1a2b",
    dataId,
  };
  if (dot >= 0) base.component = datasetType.slice(dot + 1);
  return { ...base, ...overrides };
}

const format = (template: string, what: TemplateInput) => new FileTemplate(template).format(what);

describe("file templates", () => {
  test("fields, zero padding and sanitised values", () => {
    assert.equal(
      format("{run}/{datasetType}/{visit:05d}/{physical_filter}", input("calexp")),
      "run2/calexp/00052/U",
    );
    assert.equal(
      format(
        "{run}/{datasetType}/{visit:05d}/{physical_filter}-trail-{run}",
        input("calexp", { run: "run/2" }),
      ),
      "run_2/calexp/00052/U-trail-run_2",
    );
  });

  test("{run:/} keeps the slashes of a run name", () => {
    assert.equal(
      format(
        "{run:/}/{datasetType}/{visit:05d}/{physical_filter}-trail-{run}",
        input("calexp", { run: "run/2" }),
      ),
      "run/2/calexp/00052/U-trail-run_2",
    );
  });

  test("dots become underscores in the file name only", () => {
    const what = input("calexp", { run: "run.2", dataId: { ...dataId, physical_filter: "g.10" } });
    assert.equal(
      format("{run:/}/{datasetType}/{visit:05d}/{physical_filter}-trail-{run}", what),
      "run.2/calexp/00052/g_10-trail-run_2",
    );
  });

  test("optional fields drop their leading literal unless it holds a '/'", () => {
    const partial = input("calexpT", {
      dataId: { visit: 48, tract: 265, skymap: "big", instrument: "dummy" },
    });
    assert.equal(
      format("{run}/{datasetType}/v{visit:05d}_f{physical_filter:?}", partial),
      "run2/calexpT/v00048",
    );
    assert.equal(
      format("{run}/{datasetType}/v{visit:05d}_f{physical_filter:?}", input("calexp")),
      "run2/calexp/v00052_fU",
    );
    assert.equal(format("{run}/{tract:?}/{visit:?}/f{physical_filter}", input("calexp")), "run2/52/fU");
    assert.equal(
      format("{run}/{datasetType}/{patch:?}/{tract:?}/f{physical_filter}", input("calexp")),
      "run2/calexp/fU",
    );
    assert.equal(
      format("{run}/{datasetType}/p{patch:?}_t{tract:?}/f{physical_filter}", input("calexp")),
      "run2/calexp/p/fU",
    );
    assert.equal(
      format("{run}/{datasetType}/p{patch:?}_t{visit:04d?}/f{physical_filter}", input("calexp")),
      "run2/calexp/p_t0052/fU",
    );
  });

  test("components", () => {
    const template = "{component:?}/{run}_{component:?}_{visit}";
    assert.equal(format(template, input("metric")), "run2_52");
    assert.equal(format(template, input("metric.output")), "output/run2_output_52");
    assert.equal(
      format(template, input("calexp.maskedimage.variance")),
      "maskedimage.variance/run2_maskedimage_variance_52",
    );
    assert.throws(() => format("{run}/{datasetType}/v{visit:05d}", input("calexp.wcs")), FileTemplateError);
  });

  test("alternatives and record fields", () => {
    const records = { exposure: { obs_id: "HSCA9000" }, detector: { full_name: "1_42" } };
    const what = input("raw", { dataId: { instrument: "HSC", exposure: 9000, detector: 42 }, records });
    assert.equal(
      format(
        "{run}/{datasetType}/{day_obs|exposure.obs_id:?}/{datasetType}_{detector.full_name}_{run}",
        what,
      ),
      "run2/raw/HSCA9000/raw_1_42_run2",
    );
    assert.throws(
      () => format("{run}/{exposure.obs_id}", input("raw", { dataId: { exposure: 1 } })),
      /records, which are not attached/,
    );
  });

  test("a missing required field names itself and the data ID", () => {
    assert.throws(
      () => format("{run}/{tract}", input("calexp")),
      /no value for 'tract' in the data ID of calexp \(instrument=dummy/,
    );
  });

  test("the fields a template uses", () => {
    const template = new FileTemplate(
      "{run}/{component:?}_{visit:?}_{physical_filter}_{instrument}_{datasetType}",
    );
    assert.deepEqual(template.fields(), new Set(["physical_filter", "instrument"]));
    assert.deepEqual(
      template.fields({ optionals: true }),
      new Set(["physical_filter", "instrument", "visit"]),
    );
    assert.deepEqual(
      template.fields({ optionals: true, specials: true }),
      new Set(["run", "component", "visit", "physical_filter", "instrument", "datasetType"]),
    );
  });

  test("templates that cannot give unique, safe paths are refused", () => {
    for (const bad of [
      "no fields at all",
      "{visit}",
      "{run}_{datasetType}",
      "{id}/{run}",
      "{run}/{collection}/{visit}",
      "../{run}/{visit}",
      "{run/{visit}",
      "{run}}",
    ]) {
      assert.throws(() => new FileTemplate(bad), FileTemplateError, bad);
    }
    assert.equal(
      format("{run}/{datasetType}/{id}", input("calexp")),
      "run2/calexp/e0b3f0a6-8d2c-4c1e-9a57-0f8c8d0f1a2b",
    );
  });

  test("values cannot escape the root", () => {
    const hostile = input("calexp", { run: "../../etc", dataId: { ...dataId, physical_filter: "../x" } });
    const path = format("{run}/{datasetType}/{physical_filter}/{visit}", hostile);
    assert.equal(path, ".._.._etc/calexp/.._x/52");
    assert.ok(!path.split("/").includes(".."));
  });
});
