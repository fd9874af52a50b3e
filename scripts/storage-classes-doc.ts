/**
 * Writes docs/storage-classes.md from the shipped storage class config (`npm run docs:storage-classes`).
 * The page also names the formatter that stores each class by default, which only the datastore layer
 * knows, hence a script above the layers rather than a core function.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultStorageClasses, describeStorageClasses, type StorageClass } from "../src/core/index.ts";
import { FormatterRegistry } from "../src/datastore/index.ts";
import { isButlerError } from "../src/errors/index.ts";

export const STORAGE_CLASSES_DOC = fileURLToPath(new URL("../docs/storage-classes.md", import.meta.url));
export const STORAGE_CLASSES_DOC_COMMAND = "npm run docs:storage-classes";

function defaultFormatterOf(registry: FormatterRegistry, sc: StorageClass): string | undefined {
  try {
    // No dataset type or dimensions: only the storage class keys (and `default`) can match.
    const choice = registry.lookup({
      datasetType: "",
      storageClass: sc.name,
      storageClassAncestors: sc.ancestors,
    });
    return `${choice.formatter}${choice.recipe === undefined ? "" : ` (write recipe \`${choice.recipe}\`)`}`;
  } catch (err) {
    if (isButlerError(err, "FORMATTER_LOOKUP")) return undefined;
    throw err;
  }
}

/** The page as it should be. */
export function renderStorageClassesDoc(): string {
  const registry = new FormatterRegistry();
  return describeStorageClasses(defaultStorageClasses(), {
    source: "src/core/config/storageClasses.yaml",
    command: STORAGE_CLASSES_DOC_COMMAND,
    formatterOf: (sc) => defaultFormatterOf(registry, sc),
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(STORAGE_CLASSES_DOC, renderStorageClassesDoc());
  console.log(`wrote ${STORAGE_CLASSES_DOC}`);
}
