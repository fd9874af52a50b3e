import { DimensionNameError } from "../../errors/index.ts";
import type { ColumnSpec } from "./column-spec.ts";
import type { DimensionGroup } from "./dimension-group.ts";
import type { DimensionUniverse } from "./dimension-universe.ts";
import { fieldFromColumn, type RecordField } from "./record-fields.ts";
import type { TopologicalFamily } from "./topological-family.ts";

/**
 * `dimension`: identified by its own primary key (instrument, detector, visit, …);
 * `skypix`: a level of a sky pixelization (htm7), whose records are computed, never stored;
 * `join`: no key of its own, it relates or describes combinations of dimensions
 * (visit_detector_region, visit_definition).
 */
export type ElementKind = "dimension" | "skypix" | "join";

/** Everything the universe computes for one element before constructing it. */
export interface DimensionElementInit {
  readonly universe: DimensionUniverse;
  readonly name: string;
  readonly doc: string;
  readonly kind: ElementKind;
  readonly index: number;
  readonly isGovernor: boolean;
  readonly keys: readonly ColumnSpec[];
  readonly metadata: readonly ColumnSpec[];
  readonly directRequires: readonly string[];
  readonly required: readonly string[];
  readonly implied: readonly string[];
  readonly governor: string | null;
  readonly spatial: TopologicalFamily | null;
  readonly temporal: TopologicalFamily | null;
  readonly isCached: boolean;
  readonly impliedUnionTarget: string | null;
  readonly alwaysJoin: boolean;
  readonly populatedBy: string | null;
  readonly skypixSystem: string | null;
  readonly skypixLevel: number | null;
}

/** One dimension, skypix level or join element of a universe. Built only by `DimensionUniverse`. */
export class DimensionElement {
  readonly universe: DimensionUniverse;
  readonly name: string;
  readonly doc: string;
  readonly kind: ElementKind;
  /** Position in the universe's topological order; dependencies always come first. */
  readonly index: number;
  readonly isGovernor: boolean;
  /** Unique keys: the primary key first, then alternate keys. Empty for join elements. */
  readonly keys: readonly ColumnSpec[];
  readonly metadata: readonly ColumnSpec[];
  /** The `requires` list exactly as configured. */
  readonly directRequires: readonly string[];
  /**
   * Every dimension whose value is needed to identify one record, expanded recursively and in universe
   * order. A dimension includes itself (detector → instrument, detector); a join element lists only its
   * dependencies (visit_detector_region → instrument, detector, visit).
   */
  readonly required: readonly string[];
  /** Dimensions this element's records determine (visit → physical_filter, day_obs); not expanded. */
  readonly implied: readonly string[];
  /** The governor dimension this element depends on (itself for a governor), or null. */
  readonly governor: string | null;
  readonly spatial: TopologicalFamily | null;
  readonly temporal: TopologicalFamily | null;
  /** Whether clients may keep all of this element's records in memory. */
  readonly isCached: boolean;
  /** For band: the dimension (physical_filter) whose implied values are this dimension's values. */
  readonly impliedUnionTarget: string | null;
  /** A join element that constrains every query where its required dimensions appear. */
  readonly alwaysJoin: boolean;
  /** The dimension whose records this join element's records travel with on export and import. */
  readonly populatedBy: string | null;
  readonly skypixSystem: string | null;
  readonly skypixLevel: number | null;
  private fieldsCache: readonly RecordField[] | null = null;

  constructor(init: DimensionElementInit) {
    this.universe = init.universe;
    this.name = init.name;
    this.doc = init.doc;
    this.kind = init.kind;
    this.index = init.index;
    this.isGovernor = init.isGovernor;
    this.keys = Object.freeze([...init.keys]);
    this.metadata = Object.freeze([...init.metadata]);
    this.directRequires = Object.freeze([...init.directRequires]);
    this.required = Object.freeze([...init.required]);
    this.implied = Object.freeze([...init.implied]);
    this.governor = init.governor;
    this.spatial = init.spatial;
    this.temporal = init.temporal;
    this.isCached = init.isCached;
    this.impliedUnionTarget = init.impliedUnionTarget;
    this.alwaysJoin = init.alwaysJoin;
    this.populatedBy = init.populatedBy;
    this.skypixSystem = init.skypixSystem;
    this.skypixLevel = init.skypixLevel;
  }

  /** True for dimensions and skypix levels: elements that can appear in a data ID. */
  get isDimension(): boolean {
    return this.kind !== "join";
  }

  get isSpatial(): boolean {
    return this.spatial !== null;
  }

  get isTemporal(): boolean {
    return this.temporal !== null;
  }

  /** Whether the registry stores this element's records in a table named after it. */
  get hasOwnTable(): boolean {
    return this.kind !== "skypix" && this.impliedUnionTarget === null;
  }

  /** The primary key column; null for join elements. */
  get primaryKey(): ColumnSpec | null {
    return this.keys[0] ?? null;
  }

  get alternateKeys(): readonly ColumnSpec[] {
    return this.keys.slice(1);
  }

  /** Required then implied dimensions: every dimension whose value a record of this element carries. */
  get dimensions(): readonly string[] {
    return [...this.required, ...this.implied];
  }

  /** The smallest group that contains this element. */
  get minimalGroup(): DimensionGroup {
    return this.universe.conform(this.required);
  }

  /** The fields of this element's records, in table and export order. */
  get recordFields(): readonly RecordField[] {
    this.fieldsCache ??= Object.freeze(this.computeRecordFields());
    return this.fieldsCache;
  }

  /** The named record field, or a DimensionNameError listing the element's fields. */
  getRecordField(name: string): RecordField {
    const field = this.recordFields.find((f) => f.name === name);
    if (field === undefined) {
      throw new DimensionNameError(
        `${this.name}.${name}`,
        `unknown field '${name}' for ${this.name}; accepted: ${this.recordFields.map((f) => f.name).join(", ")}`,
      );
    }
    return field;
  }

  toString(): string {
    return this.name;
  }

  private computeRecordFields(): RecordField[] {
    const fields: RecordField[] = [];
    for (const dimension of this.required) {
      if (dimension === this.name) continue;
      fields.push(this.dependencyField(dimension, "required"));
    }
    const [primary, ...alternates] = this.keys;
    if (primary !== undefined) fields.push(fieldFromColumn(primary, "key", { dimension: this.name }));
    for (const dimension of this.implied) fields.push(this.dependencyField(dimension, "implied"));
    for (const key of alternates) fields.push(fieldFromColumn(key, "alternateKey"));
    for (const column of this.metadata) fields.push(fieldFromColumn(column, "metadata"));
    if (this.spatial !== null)
      fields.push({ name: "region", role: "region", type: "region", nullable: true, doc: "" });
    if (this.temporal !== null) {
      fields.push({ name: "timespan", role: "timespan", type: "timespan", nullable: true, doc: "" });
    }
    return fields;
  }

  private dependencyField(dimension: string, role: "required" | "implied"): RecordField {
    const key = this.universe.getElement(dimension).primaryKey!;
    return fieldFromColumn(key, role, { name: dimension, nullable: false, dimension });
  }
}
