/**
 * Moving datasets between repositories and out of them:
 * - `exportDatasets` writes a daf_butler export file (format 1.0.2: dimension records, runs, dataset
 *   types, datasets with their file paths and formatters) and, with a transfer, the files beside it;
 * - `importDatasets` reads one (ours, or daf_butler's: formatter names such as
 *   `lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter` map to ours) and ingests the files
 *   it points at, registry rows and files in one transaction;
 * - `transferFrom` copies datasets from another butler keeping their IDs;
 * - `retrieveArtifacts` copies (or links) dataset files into a directory.
 */
import { randomBytes } from "node:crypto";
import {
  copyFile,
  constants as fsConstants,
  link,
  lstat,
  mkdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  CollectionType,
  DatasetRef,
  type DatasetType,
  type DimensionRecord,
  recordDataId,
} from "../core/index.ts";
import { confineEntry } from "../datastore/confine.ts";
import { isLocalRoot, localPath } from "../datastore/index.ts";
import { ConflictingDefinitionError, InvalidArgumentError, isButlerError } from "../errors/index.ts";
import type { Registry } from "../registry/index.ts";
import {
  type DatasetFileRecord,
  datasetTypeOfItem,
  type ExportItem,
  type ExportRecord,
  exportDocument,
  type ImportSummary,
  type ImportTarget,
  importExport,
  parseExport,
} from "../registry/interchange/index.ts";
import { resourcePath } from "../resources/from-uri.ts";
import type { Butler } from "./butler.ts";
import { prepareHeaderIndex } from "./header-index.ts";
import { headerSectionYaml, importHeaderSection } from "./header-interchange.ts";
import { inUniverse } from "./resolve.ts";
import { datastoreTransfer, type TransferMode } from "./transfer-mode.ts";

export interface ExportOptions {
  /** Directory the export file (and transferred files) go to; made if missing. */
  directory: string;
  /** Export file name (default `export.yaml`). */
  filename?: string;
  /**
   * How files go into `directory` (`copy`, `hardlink`, `symlink`, `relsymlink`), keeping their
   * datastore paths; without one, the export records each file's absolute path and copies nothing.
   */
  transfer?: TransferMode;
  /** Include the dimension records the datasets' data IDs need (default true). */
  includeDimensions?: boolean;
}

export interface ImportOptions {
  /** Export file name in the directory, or an absolute path (default `export.yaml`). */
  filename?: string;
  /** How files come in (default `auto`: copied unless already inside the datastore root). */
  transfer?: TransferMode;
  /** Dimension elements whose records are not imported. */
  skipDimensions?: Iterable<string>;
}

export interface ImportResult {
  summary: ImportSummary;
  /** The datasets whose files were ingested. */
  refs: DatasetRef[];
}

export interface RetrieveArtifactsOptions {
  /** `auto`/`copy` (default), `hardlink`/`link`, `symlink`, `relsymlink`; `move` and `direct` are refused. */
  transfer?: TransferMode;
  /** Keep each file's datastore path under the destination (default true); else its base name. */
  preservePath?: boolean;
  /** Replace files already at the destination (default false: a ConflictingDefinitionError). */
  overwrite?: boolean;
}

export interface TransferFromOptions {
  /** How files come over (default `auto`: copy). */
  transfer?: TransferMode;
  /** Register dataset types the target lacks (default false: a MissingDatasetTypeError). */
  registerDatasetTypes?: boolean;
  /** Copy the dimension records the data IDs need (default false: they must exist in the target). */
  transferDimensions?: boolean;
  /** Skip datasets the source datastore has no file for (default true); else it is an error. */
  skipMissing?: boolean;
}

/**
 * Copies or links one file (a local path, or a remote URI, which can only be copied); the destination
 * directory is made. The destination must stay inside `root` once symbolic links are resolved.
 */
async function transferFile(
  source: string,
  destination: string,
  mode: TransferMode,
  overwrite: boolean,
  root: string,
) {
  if (!isLocalRoot(source) && mode !== "auto" && mode !== "copy") {
    throw new InvalidArgumentError(
      `transfer mode '${mode}' cannot bring ${source.replace(/[?#].*$/, "")} out of a remote datastore; use copy or auto`,
    );
  }
  await confineEntry(root, destination);
  await mkdir(dirname(destination), { recursive: true });
  if (overwrite) await rm(destination, { force: true });
  else if (
    await lstat(destination).then(
      () => true,
      () => false,
    )
  ) {
    // Checked here too: copying a file onto a hard link of itself "succeeds" without COPYFILE_EXCL failing.
    throw new ConflictingDefinitionError(
      `${destination} already exists; remove it, choose another destination, or pass overwrite`,
    );
  }
  try {
    switch (mode) {
      case "auto":
      case "copy":
        if (!isLocalRoot(source)) {
          // Downloaded whole, then written under a temporary name and renamed: never a partial file.
          const temp = `${destination}.tmp-${randomBytes(6).toString("hex")}`;
          try {
            await writeFile(temp, await resourcePath(source).read(), { flag: "wx" });
            await link(temp, destination);
          } finally {
            await rm(temp, { force: true });
          }
          return;
        }
        return await copyFile(source, destination, fsConstants.COPYFILE_EXCL);
      case "hardlink":
      case "link":
        return await link(source, destination);
      case "symlink":
        return await symlink(source, destination);
      case "relsymlink":
        return await symlink(relative(dirname(destination), source), destination);
      default:
        throw new InvalidArgumentError(
          `transfer mode '${mode}' cannot copy files out of a repository; accepted: auto, copy, hardlink, link, symlink, relsymlink`,
        );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new ConflictingDefinitionError(
        `${destination} already exists; remove it, choose another destination, or pass overwrite`,
      );
    }
    throw err;
  }
}

/** A dataset's file (a local path, or the URI of a remote one) and its datastore path. */
async function storedFile(
  butler: Butler,
  ref: DatasetRef,
): Promise<{ path: string; file: string; formatter: string }> {
  const record = await butler.datastore.getRecord(ref.id);
  const uri = butler.datastore.root.uriOf(record.path);
  return {
    path: record.path,
    file: isLocalRoot(uri) ? localPath(uri) : uri,
    formatter: record.formatter,
  };
}

/** The dimension records the refs' data IDs need, by element, in the universe's insertion order. */
async function dimensionRecords(
  registry: Registry,
  refs: readonly DatasetRef[],
): Promise<[string, DimensionRecord[]][]> {
  const byElement = new Map<string, Map<string, DimensionRecord>>();
  const byGroup = new Map<string, DatasetRef[]>();
  for (const ref of refs) {
    const key = ref.datasetType.dimensions.key;
    byGroup.set(key, [...(byGroup.get(key) ?? []), ref]);
  }
  for (const group of byGroup.values()) {
    const dimensions = group[0]!.datasetType.dimensions;
    const expanded = await registry.expandDataIds(
      group.map((r) => r.dataId),
      { dimensions, records: true },
    );
    for (const dataId of expanded) {
      for (const name of dimensions.elements) {
        const element = registry.universe.getElement(name);
        const record = dataId.record(name);
        if (record === null || !element.hasOwnTable) continue;
        const records = byElement.get(name) ?? new Map<string, DimensionRecord>();
        records.set(JSON.stringify([...recordDataId(element, record)]), record);
        byElement.set(name, records);
      }
    }
  }
  return registry.universe.sorted(byElement.keys()).map((name) => [name, [...byElement.get(name)!.values()]]);
}

/**
 * Writes an export of `refs` (whole datasets: components are refused) and returns the export file's
 * path. Runs and dataset types come with them; dimension records unless `includeDimensions` is false.
 */
export async function exportDatasets(
  butler: Butler,
  refs: readonly DatasetRef[],
  options: ExportOptions,
): Promise<string> {
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  const items: ExportItem[] = [];
  if (options.includeDimensions ?? true) {
    for (const [element, records] of await dimensionRecords(butler.registry, refs)) {
      items.push({ kind: "dimension", element, records: records as unknown as ExportRecord[] });
    }
  }
  const runs = [...new Set(refs.map((r) => r.run))];
  for (const run of runs) {
    items.push({
      kind: "collection",
      name: run,
      type: CollectionType.RUN,
      doc: await butler.registry.getCollectionDocumentation(run),
      host: null,
      timespan: null,
    });
  }
  const types = new Map<string, DatasetType>();
  for (const ref of refs) {
    if (ref.isComponent())
      throw new InvalidArgumentError(
        `export: ${ref.datasetType.name} is a component; export the whole dataset`,
      );
    types.set(ref.datasetType.name, ref.datasetType);
  }
  for (const type of types.values()) {
    items.push({
      kind: "dataset_type",
      name: type.name,
      dimensions: [...type.dimensions.names],
      storageClass: type.storageClass,
      isCalibration: type.isCalibration,
    });
  }
  const groups = new Map<string, { type: string; run: string; records: DatasetFileRecord[] }>();
  for (const ref of refs) {
    const stored = await storedFile(butler, ref);
    let path = stored.file;
    if (options.transfer !== undefined) {
      const outside = isAbsolute(stored.path) || !isLocalRoot(stored.path);
      const rel = outside ? join("direct", basename(stored.path)) : stored.path;
      await transferFile(stored.file, join(directory, rel), options.transfer, false, directory);
      path = rel.split(sep).join("/");
    }
    const key = `${ref.datasetType.name}\u0000${ref.run}`;
    const group = groups.get(key) ?? { type: ref.datasetType.name, run: ref.run, records: [] };
    group.records.push({
      ids: [ref.id],
      dataIds: [ref.dataId.requiredObject() as Record<string, string | number>],
      path,
      formatter: stored.formatter,
    });
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    items.push({ kind: "dataset", datasetType: group.type, run: group.run, records: group.records });
  }
  const file = join(directory, options.filename ?? "export.yaml");
  const headers = await headerSectionYaml(butler.registry, refs);
  await writeFile(file, exportDocument(items, { universe: butler.registry.universe }) + headers);
  return file;
}

/**
 * Imports an export file and ingests the files it points at (paths relative to `directory`), all in
 * one transaction: a missing file or unknown formatter leaves the repository as it was.
 */
export async function importDatasets(
  butler: Butler,
  directory: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const dir = resolve(directory);
  const file = resolve(dir, options.filename ?? "export.yaml");
  const text = await readFile(file, "utf8");
  const document = parseExport(text, { universe: butler.registry.universe });
  const transfer = datastoreTransfer(options.transfer ?? "auto");
  // The file's dataset types and their header index are made first, outside the transaction (as
  // daf_butler's import registers them): their tables' foreign keys make the statements wait for every
  // open write transaction, and inside this one they would deadlock with concurrent writers. A type
  // the file cannot define is left for importExport to report with its place in the file.
  for (const item of document.items) {
    if (item.kind !== "dataset_type") continue;
    let type: DatasetType;
    try {
      type = datasetTypeOfItem(item, butler.registry.universe);
    } catch {
      continue;
    }
    await butler.registry.registerDatasetType(type);
  }
  const known = await butler.registry.queryDatasetTypes();
  const target = butler.registry as unknown as ImportTarget;
  const stored = new Set(
    document.items.flatMap((item) => (item.kind === "dataset" ? [item.datasetType] : [])),
  );
  await prepareHeaderIndex(
    butler,
    known.filter((type) => stored.has(type.name)),
  );
  return butler.datastore.transaction(async (txn) => {
    const summary = await importExport(target, document, {
      datasetTypes: known,
      ...(options.skipDimensions === undefined ? {} : { skipDimensions: new Set(options.skipDimensions) }),
    });
    const refs: DatasetRef[] = [];
    for (const imported of summary.files) {
      if (imported.ids.length !== 1) {
        throw new InvalidArgumentError(
          `import: ${imported.path} holds ${imported.ids.length} datasets; a file must hold exactly one here`,
        );
      }
      const ref = (await butler.registry.getDataset(imported.ids[0]!))!;
      const expanded = ref.withDataId(
        await butler.registry.expandDataId(ref.dataId, { dimensions: ref.datasetType.dimensions }),
      );
      const path = /^file:/i.test(imported.path)
        ? localPath(imported.path)
        : isLocalRoot(imported.path)
          ? resolve(dir, imported.path)
          : imported.path;
      await butler.datastore.ingest(path, expanded, {
        transfer,
        transaction: txn,
        ...(imported.formatter === null ? {} : { formatter: imported.formatter }),
      });
      refs.push(expanded);
    }
    await importHeaderSection(butler.registry, text, new Set(refs.map((r) => r.id)));
    return { summary, refs };
  });
}

/** Copies the files of `refs` into `destination`; returns the paths written, in the refs' order. */
export async function retrieveArtifacts(
  butler: Butler,
  refs: readonly DatasetRef[],
  destination: string,
  options: RetrieveArtifactsOptions = {},
): Promise<string[]> {
  return retrieveFiles(refs, destination, options, async (batch) => {
    const out = new Map<string, ArtifactFile>();
    for (const ref of batch) out.set(ref.id, await storedFile(butler, ref));
    return out;
  });
}

/** A dataset's file as retrieveArtifacts sees it: its datastore path, and a local path or URI to read. */
export interface ArtifactFile {
  path: string;
  file: string;
}

/**
 * retrieveArtifacts over any butler: `locate` gives the files of a batch of whole-dataset refs (at
 * most `batchSize`, each batch copied before the next is located, so that URLs handed out for a batch
 * are fresh when read) by dataset ID, throwing for a dataset without one.
 */
export async function retrieveFiles(
  refs: readonly DatasetRef[],
  destination: string,
  options: RetrieveArtifactsOptions,
  locate: (refs: readonly DatasetRef[]) => Promise<ReadonlyMap<string, ArtifactFile>>,
  batchSize = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const mode = options.transfer ?? "auto";
  if (mode === "move" || mode === "direct") {
    throw new InvalidArgumentError(
      `retrieveArtifacts cannot use transfer '${mode}': the repository keeps its files; accepted: auto, copy, hardlink, link, symlink, relsymlink`,
    );
  }
  datastoreTransfer(mode);
  const root = resolve(destination);
  const written: string[] = [];
  const unique = [...new Map(refs.map((ref) => [ref.id, ref.makeCompositeRef()])).values()];
  for (let i = 0; i < unique.length; i += batchSize) {
    const batch = unique.slice(i, i + batchSize);
    const files = await locate(batch);
    for (const ref of batch) {
      const stored = files.get(ref.id)!;
      const rel =
        (options.preservePath ?? true) && !isAbsolute(stored.path) && isLocalRoot(stored.path)
          ? stored.path
          : basename(stored.path);
      const target = resolve(root, rel);
      if (target !== root && !target.startsWith(root + sep)) {
        throw new InvalidArgumentError(`retrieveArtifacts: ${rel} would leave the destination ${root}`);
      }
      await transferFile(stored.file, target, mode, options.overwrite ?? false, root);
      written.push(target);
    }
  }
  return written;
}

/**
 * Copies datasets from `source` into `target`, keeping their IDs and runs; datasets the target holds
 * already are skipped. Dataset types are registered first when `registerDatasetTypes`; dimension
 * records copied when `transferDimensions`. Rows and files commit in one transaction.
 */
export async function transferFrom(
  target: Butler,
  source: Butler,
  refs: readonly DatasetRef[],
  options: TransferFromOptions = {},
): Promise<DatasetRef[]> {
  const transfer = datastoreTransfer(options.transfer ?? "auto");
  const registry = target.registry;
  const composites = [...new Map(refs.map((r) => [r.id, r.makeCompositeRef()])).values()];
  const fresh: DatasetRef[] = [];
  for (const ref of composites) if ((await registry.getDataset(ref.id)) === null) fresh.push(ref);
  const files = new Map<string, { file: string; formatter: string }>();
  const wanted: DatasetRef[] = [];
  for (const ref of fresh) {
    try {
      const stored = await storedFile(source, ref);
      files.set(ref.id, stored);
      wanted.push(ref);
    } catch (err) {
      if (!(options.skipMissing ?? true) || !isButlerError(err, "DATASET_NOT_IN_DATASTORE")) throw err;
    }
  }
  const types = new Map<string, DatasetType>();
  for (const ref of wanted) {
    const name = ref.datasetType.name;
    if (types.has(name)) continue;
    const wantedType = inUniverse(ref.datasetType, registry.universe);
    let existing: DatasetType | undefined;
    try {
      existing = await registry.getDatasetType(name);
    } catch (err) {
      if (!isButlerError(err, "MISSING_DATASET_TYPE") || !options.registerDatasetTypes) throw err;
    }
    if (existing === undefined) await registry.registerDatasetType(wantedType);
    else if (!existing.equals(wantedType)) {
      throw new ConflictingDefinitionError(
        `transferFrom: dataset type ${name} is ${existing} in the target but ${wantedType} in the source`,
      );
    }
    types.set(name, existing ?? wantedType);
  }
  if (options.transferDimensions) {
    for (const [element, records] of await dimensionRecords(source.registry, wanted)) {
      await registry.insertDimensionData(element, records, { skipExisting: true });
    }
  }
  for (const run of new Set(wanted.map((r) => r.run))) await registry.registerRun(run);
  await prepareHeaderIndex(target, types.values());
  const added: DatasetRef[] = [];
  await target.datastore.transaction(async (txn) => {
    for (const ref of wanted) {
      const type = types.get(ref.datasetType.name)!;
      const dataId = await registry.expandDataId(ref.dataId.toObject(), { dimensions: type.dimensions });
      const copy = new DatasetRef(type, dataId, ref.run, { id: ref.id });
      await registry.importDatasets([copy]);
      const stored = files.get(ref.id)!;
      await target.datastore.ingest(stored.file, copy, {
        transfer,
        formatter: stored.formatter,
        transaction: txn,
      });
      added.push(copy);
    }
  });
  return added;
}
