/**
 * docs/storage-classes.md is generated from the storage class config; these tests fail when it is out of
 * date, when a class the issue names is missing or lacks a component, or when the config documents
 * something the class does not have.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  renderStorageClassesDoc,
  STORAGE_CLASSES_DOC,
  STORAGE_CLASSES_DOC_COMMAND,
} from "../../scripts/storage-classes-doc.ts";
import { defaultStorageClasses, describeStorageClasses, StorageClassFactory } from "../../src/core/index.ts";
import { StorageClassConfigError } from "../../src/errors/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";

const EXPOSURE_COMPONENTS = [
  "image",
  "mask",
  "variance",
  "wcs",
  "psf",
  "photoCalib",
  "visitInfo",
  "metadata",
  "filter",
  "detector",
  "validPolygon",
  "summaryStats",
  "apCorrMap",
  "coaddInputs",
  "transmissionCurve",
  "id",
];

const TABLE_CLASSES = ["ArrowTable", "DataFrame", "ArrowAstropy", "ArrowNumpy", "ArrowNumpyDict"];

describe("storage class reference (docs/storage-classes.md)", () => {
  test("the checked-in page is what the config generates", () => {
    const want = renderStorageClassesDoc();
    const have = readFileSync(STORAGE_CLASSES_DOC, "utf8");
    if (have !== want) {
      const a = have.split("\n");
      const b = want.split("\n");
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(
        `docs/storage-classes.md is out of date (first difference at line ${line + 1}: ` +
          `${JSON.stringify(a[line] ?? "<end>")} should be ${JSON.stringify(b[line] ?? "<end>")}); ` +
          `regenerate it with \`${STORAGE_CLASSES_DOC_COMMAND}\``,
      );
    }
  });

  test("the exposures have every component, with their storage classes, documented", () => {
    const factory = defaultStorageClasses();
    for (const name of ["Exposure", "ExposureF", "ExposureI"]) {
      const sc = factory.get(name);
      assert.deepEqual([...sc.components.keys()].sort(), [...EXPOSURE_COMPONENTS].sort(), name);
      assert.deepEqual([...sc.derivedComponents.keys()].sort(), ["bbox", "dimensions", "xy0"], name);
      assert.deepEqual([...sc.parameters].sort(), ["bbox", "origin"], name);
      for (const c of sc.allComponents()) assert.ok(sc.componentDocs.get(c), `${name}.${c} has a doc`);
      for (const p of sc.parameters) assert.ok(sc.parameterDocs.get(p), `${name} parameter ${p} has a doc`);
    }
    assert.equal(factory.get("ExposureF").componentStorageClass("image"), "ImageF");
    assert.equal(factory.get("ExposureI").componentStorageClass("image"), "ImageI");
    assert.equal(factory.get("ExposureI").componentStorageClass("variance"), "ImageF");
    const page = renderStorageClassesDoc();
    const exposure = page.slice(page.indexOf("### ExposureF\n"), page.indexOf("### ExposureI\n"));
    for (const c of EXPOSURE_COMPONENTS) assert.match(exposure, new RegExp(`\\| \`${c}\` \\| \\[`), c);
    assert.match(exposure, /\| `image` \| \[ImageF\]\(#imagef\) \| The science pixels/);
    assert.match(exposure, /Stored by default with: FitsExposureFormatter \(write recipe `lossless`\)/);
  });

  test("pixel, header, structured and table classes the butler serves are all defined", () => {
    const factory = defaultStorageClasses();
    for (const name of [
      "MaskedImage",
      "MaskedImageF",
      "ImageF",
      "ImageI",
      "ImageU",
      "ImageD",
      "Mask",
      "MaskX",
    ]) {
      assert.ok(factory.get(name).parameters.has("bbox"), `${name} takes bbox`);
    }
    assert.deepEqual([...factory.get("MaskedImage").components.keys()], ["image", "mask", "variance"]);
    for (const name of ["PropertyList", "StructuredDataDict", "StructuredDataList"])
      assert.ok(factory.has(name));
    for (const name of TABLE_CLASSES) {
      const sc = factory.get(name);
      assert.deepEqual([...sc.parameters], ["columns"], name);
      assert.deepEqual([...sc.derivedComponents.keys()].sort(), ["columns", "rowcount", "schema"], name);
      assert.equal(sc.delegate, "ArrowTableDelegate", name);
    }
  });

  test("the shared classes agree with daf_butler's config", () => {
    const ours = defaultStorageClasses();
    const theirs = StorageClassFactory.fromYaml(readFileSync(join(PEER_DATA, "storageClasses.yaml"), "utf8"));
    const shared = ours.names().filter((n) => theirs.has(n));
    assert.ok(shared.length >= 45, `${shared.length} shared classes`);
    for (const name of shared) {
      const a = ours.get(name);
      const b = theirs.get(name);
      // MaskedImageF and friends narrow their planes here; daf_butler leaves them as Image/Mask.
      if (!name.startsWith("MaskedImage")) {
        assert.deepEqual(
          Object.fromEntries(a.components),
          Object.fromEntries(b.components),
          `${name} components`,
        );
      }
      // Every derived component of theirs is ours; the pixel classes add bbox/dimensions/xy0 of their own.
      for (const [c, target] of b.derivedComponents) {
        assert.equal(a.derivedComponents.get(c), target, `${name} derived component ${c}`);
      }
      // We take a subset of daf_butler's parameters (no amp/detector/filters…), never one it lacks.
      for (const p of a.parameters) assert.ok(b.parameters.has(p), `${name} parameter ${p} is daf_butler's`);
      assert.equal(
        a.pythonType?.replace(/\.lib\.|\.core\.frame\./, "."),
        b.pytype?.replace(/\.lib\.|\.core\.frame\./, "."),
        `${name} python type`,
      );
    }
  });

  test("a doc for a component or parameter the class does not have is refused", () => {
    assert.throws(
      () =>
        StorageClassFactory.fromYaml(
          "storageClasses:\n  A:\n    derivedComponents: {n: int}\n    componentDocs: {m: the m}\n  int: {}\n",
        ),
      (e: unknown) => e instanceof StorageClassConfigError && /documents component 'm'/.test(e.message),
    );
    assert.throws(
      () => StorageClassFactory.fromYaml("storageClasses:\n  A:\n    parameterDocs: {p: the p}\n"),
      /documents parameter 'p'/,
    );
  });

  test("the renderer shows inheritance resolved and escapes table cells", () => {
    const factory = StorageClassFactory.fromYaml(`
storageClasses:
  int: {}
  Base:
    doc: A base.
    parameters: [p]
    parameterDocs: {p: "a | b"}
    derivedComponents: {n: int}
    componentDocs: {n: "the\\ncount"}
  Child:
    inheritsFrom: Base
    pythonType: child.Type
`);
    const page = describeStorageClasses(factory, { source: "x.yaml", command: "make" });
    const child = page.slice(page.indexOf("### Child"));
    assert.match(child, /- Inherits from: \[Base\]\(#base\)/);
    assert.match(child, /Python type in daf_butler: `child.Type`/);
    assert.match(child, /\| `n` \| \[int\]\(#int\) \| the count \|/);
    assert.match(child, /\| `p` \| a \\\| b \|/);
    assert.ok(page.endsWith("\n") && !page.endsWith("\n\n"));
  });
});
