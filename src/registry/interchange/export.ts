/**
 * Writes export items as a daf_butler export file, format 1.0.2 with its YAML tags, in the layout
 * PyYAML gives (block style, lists not indented under their key), so that parsing what this writes
 * gives the same items back.
 */
import { Document, Scalar } from "yaml";
import { type DimensionUniverse, defaultUniverse, Timespan } from "../../core/index.ts";
import {
  EXPORT_DESCRIPTION,
  EXPORT_FORMAT_VERSION,
  type ExportItem,
  type ExportRecord,
} from "./export-format.ts";
import { exportYamlOptions, uuidNode } from "./yaml-tags.ts";

export interface ExportDocumentOptions {
  /** Written as `universe_version` (default: the universe's version). */
  readonly universeVersion?: number;
  /** Written as `universe_namespace` (default: the universe's namespace). */
  readonly universeNamespace?: string;
  /**
   * Tells which record fields are floats, so that `30` is written `30.0` as Python would
   * (default: the default universe). Elements it does not know are written as they are.
   */
  readonly universe?: DimensionUniverse;
}

/**
 * The YAML text of an export holding `items`, in their order. Record timespans are written as
 * `datetime_begin`/`datetime_end` when both bounds are set (as daf_butler writes them), else as a
 * `timespan: !lsst.daf.butler.Timespan`; a null timespan as null `datetime_begin`/`datetime_end`.
 * Legacy `run` items stay `type: run` items, which daf_butler still reads.
 */
export function exportDocument(items: readonly ExportItem[], options: ExportDocumentOptions = {}): string {
  const universe = options.universe ?? defaultUniverse();
  const tree = {
    description: EXPORT_DESCRIPTION,
    version: EXPORT_FORMAT_VERSION,
    universe_version: options.universeVersion ?? universe.version,
    universe_namespace: options.universeNamespace ?? universe.namespace,
    data: items.map((item) => itemTree(item, universe)),
  };
  const doc = new Document(tree, { ...exportYamlOptions(), aliasDuplicateObjects: false });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

function itemTree(item: ExportItem, universe: DimensionUniverse): Record<string, unknown> {
  switch (item.kind) {
    case "dimension": {
      const floats = floatFields(item.element, universe);
      return {
        type: "dimension",
        element: item.element,
        records: item.records.map((record) => recordTree(record, floats)),
      };
    }
    case "collection": {
      const out: Record<string, unknown> = {
        type: "collection",
        collection_type: item.type.name,
        name: item.name,
      };
      if (item.doc !== null) out["doc"] = item.doc;
      if (item.host !== undefined || item.timespan !== undefined) {
        out["host"] = item.host ?? null;
        out["timespan_begin"] = item.timespan?.begin ?? null;
        out["timespan_end"] = item.timespan?.end ?? null;
      }
      if (item.children !== undefined) out["children"] = [...item.children];
      return out;
    }
    case "run":
      return { type: "run", name: item.name };
    case "dataset_type":
      return {
        type: "dataset_type",
        name: item.name,
        dimensions: [...item.dimensions],
        storage_class: item.storageClass,
        is_calibration: item.isCalibration,
      };
    case "dataset":
      return {
        type: "dataset",
        dataset_type: item.datasetType,
        run: item.run,
        records: item.records.map((record) => {
          const out: Record<string, unknown> = {
            dataset_id: record.ids.map(uuidNode),
            data_id: record.dataIds.map((d) => ({ ...d })),
            path: record.path,
          };
          if (record.formatter !== undefined) out["formatter"] = record.formatter;
          return out;
        }),
      };
    case "associations": {
      const out: Record<string, unknown> = {
        type: "associations",
        collection: item.collection,
        collection_type: item.collectionType.name,
      };
      if (item.validityRanges !== undefined) {
        out["validity_ranges"] = item.validityRanges.map((range) => ({
          timespan: range.timespan,
          dataset_ids: range.datasetIds.map(uuidNode),
        }));
      } else {
        out["dataset_ids"] = (item.datasetIds ?? []).map(uuidNode);
      }
      return out;
    }
  }
}

function recordTree(record: ExportRecord, floats: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === "timespan") {
      if (value === null) {
        out["datetime_begin"] = null;
        out["datetime_end"] = null;
      } else if (
        value instanceof Timespan &&
        !value.isEmpty() &&
        value.begin !== null &&
        value.end !== null
      ) {
        out["datetime_begin"] = value.begin;
        out["datetime_end"] = value.end;
      } else out[name] = value;
    } else if (floats.has(name) && typeof value === "number" && Number.isInteger(value)) {
      const node = new Scalar(value);
      node.minFractionDigits = 1;
      out[name] = node;
    } else out[name] = value;
  }
  return out;
}

function floatFields(element: string, universe: DimensionUniverse): ReadonlySet<string> {
  if (!universe.hasElement(element)) return new Set();
  return new Set(
    universe
      .getElement(element)
      .recordFields.filter((f) => f.type === "float")
      .map((f) => f.name),
  );
}
