/**
 * Brings the dimension records of an export from an older universe (legacy 0, 6, 7) to the records
 * our universe (version 8) accepts. Every step is a pure function of the parsed document: records
 * are copied, never changed in place, and what a step had to guess is reported as a warning.
 *
 * The steps look at the records themselves rather than trusting `universe_version`, because files
 * mix forms (base.yaml says universe 6 in a version-0 file; hsc-rc2-subset.yaml is universe 6 with
 * version-8 style visits). On a current file they change nothing.
 */
import { type DimensionUniverse, defaultUniverse, Timespan } from "../../core/index.ts";
import { NS_PER_DAY, NS_PER_SECOND, timeFromCalendar, timeToCalendar } from "../../time/index.ts";
import type {
  DimensionItem,
  ExportDocument,
  ExportItem,
  ExportRecord,
  ExportValue,
} from "./export-format.ts";

/** Seconds after TAI midnight at which an observatory's observing day starts. */
export type DayObsOffsets = Readonly<Record<string, number>>;

/**
 * Offsets this code knows without being told: Rubin's observing day starts at 12:00 TAI
 * (lsstcam-subset.yaml's day_obs records begin then).
 */
export const DEFAULT_DAY_OBS_OFFSETS: DayObsOffsets = Object.freeze({
  LSSTCam: 12 * 3600,
  LSSTComCam: 12 * 3600,
  LSSTComCamSim: 12 * 3600,
  LATISS: 12 * 3600,
});

export interface MigrateOptions {
  /** The universe to migrate to (default: the default universe, version 8). */
  readonly universe?: DimensionUniverse;
  /**
   * Observing-day offsets by instrument name, in seconds. When an instrument has none here, the
   * offset is taken from day_obs records in the same file that have timespans, then from
   * DEFAULT_DAY_OBS_OFFSETS, else 0 with a warning.
   */
  readonly dayObsOffsets?: DayObsOffsets;
}

export interface MigrationResult {
  /** The document with records the universe accepts; `universeVersion` is the universe's. */
  readonly document: ExportDocument;
  /** What was dropped or guessed, one sentence each. */
  readonly warnings: readonly string[];
}

type MutableRecord = Record<string, ExportValue>;

/**
 * Runs every step in order:
 * 1. dimension items of elements the universe does not have are dropped;
 * 2. `visit.visit_system` becomes visit_system_membership rows;
 * 3. `exposure.group_name`/`group_id` become `exposure.group`, and missing group records are made;
 * 4. a missing `visit.day_obs` (or `exposure.day_obs`) is derived from `datetime_begin`;
 * 5. missing day_obs records are made for every day_obs a visit or exposure names;
 * 6. fields the universe does not have (`visit.seeing`, …) are dropped.
 * A document from another namespace is returned unchanged, with a warning.
 */
export function migrateExport(document: ExportDocument, options: MigrateOptions = {}): MigrationResult {
  const universe = options.universe ?? defaultUniverse();
  const warnings: string[] = [];
  if (document.universeNamespace !== universe.namespace) {
    warnings.push(
      `records are from universe namespace '${document.universeNamespace}', not '${universe.namespace}'; ` +
        "they were not migrated",
    );
    return { document, warnings };
  }
  let items: readonly ExportItem[] = document.items;
  items = dropUnknownElements(items, universe, warnings);
  items = splitVisitSystems(items, universe);
  items = exposureGroups(items, universe, warnings);
  const offsets = new DayObsOffsetTable(items, options.dayObsOffsets ?? {}, warnings);
  items = deriveDayObs(items, offsets, warnings);
  items = synthesizeDayObs(items, universe, offsets);
  items = dropUnknownFields(items, universe, warnings);
  return {
    document: {
      ...document,
      universeVersion: universe.version,
      universeNamespace: universe.namespace,
      items,
    },
    warnings,
  };
}

/** Step 1: items of elements that no longer exist are dropped. */
export function dropUnknownElements(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  warnings: string[],
): ExportItem[] {
  return items.filter((item) => {
    if (item.kind !== "dimension" || universe.hasElement(item.element)) return true;
    warnings.push(
      `dropped ${item.records.length} ${item.element} record(s): universe ${universe.version} has no element '${item.element}'`,
    );
    return false;
  });
}

/** Step 2: `visit.visit_system` (universe 0) becomes one visit_system_membership row per visit. */
export function splitVisitSystems(items: readonly ExportItem[], universe: DimensionUniverse): ExportItem[] {
  const memberships: ExportRecord[] = [];
  const out = mapRecords(items, "visit", (record) => {
    if (!("visit_system" in record)) return record;
    const { visit_system: system, ...rest } = record;
    if (system !== null && system !== undefined) {
      memberships.push({
        instrument: record["instrument"] ?? null,
        visit_system: system,
        visit: record["id"] ?? null,
      });
    }
    return rest;
  });
  return addRecords(out, universe, "visit_system_membership", memberships, [
    "instrument",
    "visit_system",
    "visit",
  ]);
}

/**
 * Step 3: `exposure.group_name` (else `group_id`) becomes `exposure.group` (universe 6 made group a
 * dimension), and a group record is made for every group no record in the file defines.
 */
export function exposureGroups(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  warnings: string[],
): ExportItem[] {
  if (!universe.hasElement("group")) return [...items];
  const groups: ExportRecord[] = [];
  const out = mapRecords(items, "exposure", (record) => {
    const { group_name: groupName, group_id: groupId, ...rest } = record;
    let group = record["group"];
    if (group === undefined || group === null) {
      if (typeof groupName === "string") group = groupName;
      else if (typeof groupId === "number" || typeof groupId === "string") group = String(groupId);
      else if (typeof record["obs_id"] === "string") {
        group = record["obs_id"];
        warnings.push(
          `exposure ${String(record["id"])} has no group; using its obs_id '${group}' as the group`,
        );
      } else if (record["id"] !== undefined && record["id"] !== null) {
        group = String(record["id"]);
        warnings.push(`exposure ${String(record["id"])} has no group or obs_id; using its id as the group`);
      } else return rest;
    }
    groups.push({ instrument: record["instrument"] ?? null, name: group });
    return { ...rest, group };
  });
  return addRecords(out, universe, "group", groups, ["instrument", "name"]);
}

/**
 * Step 4: a visit or exposure without `day_obs` (before universe 6) gets the observing day of its
 * `datetime_begin`: the TAI date of begin minus the instrument's day offset. A visit without a time
 * takes the day_obs of an exposure that visit_definition links it to.
 */
export function deriveDayObs(
  items: readonly ExportItem[],
  offsets: DayObsOffsetTable,
  warnings: string[],
): ExportItem[] {
  const exposureDays = new Map<string, ExportValue>();
  const derive = (element: string) => (record: ExportRecord) => {
    const dayObs = record["day_obs"];
    if (dayObs !== undefined && dayObs !== null) {
      if (element === "exposure") exposureDays.set(key(record["instrument"], record["id"]), dayObs);
      return record;
    }
    const instrument = String(record["instrument"]);
    const timespan = record["timespan"];
    if (timespan instanceof Timespan && !timespan.isEmpty() && timespan.begin !== null) {
      const derived = dayObsFromTime(timespan.begin, offsets.offsetOrZero(instrument));
      if (element === "exposure") exposureDays.set(key(record["instrument"], record["id"]), derived);
      return { ...record, day_obs: derived };
    }
    return record;
  };
  let out = mapRecords(items, "exposure", derive("exposure"));
  out = mapRecords(out, "visit", derive("visit"));
  // Visits still without a day: take it from one of their exposures.
  const visitExposure = new Map<string, string>();
  for (const record of recordsOf(out, "visit_definition")) {
    visitExposure.set(
      key(record["instrument"], record["visit"]),
      key(record["instrument"], record["exposure"]),
    );
  }
  return mapRecords(out, "visit", (record) => {
    if (record["day_obs"] !== undefined && record["day_obs"] !== null) return record;
    const exposure = visitExposure.get(key(record["instrument"], record["id"]));
    const day = exposure === undefined ? undefined : exposureDays.get(exposure);
    if (day !== undefined && day !== null) return { ...record, day_obs: day };
    warnings.push(
      `visit ${String(record["id"])} of ${String(record["instrument"])} has no day_obs, no datetime_begin and ` +
        "no exposure to take one from; it cannot be inserted",
    );
    return record;
  });
}

/**
 * Step 5: a day_obs record for every (instrument, day_obs) a visit or exposure names that no record
 * in the file defines. Its timespan is the observing day when the instrument's offset is known,
 * else null.
 */
export function synthesizeDayObs(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  offsets: DayObsOffsetTable,
): ExportItem[] {
  if (!universe.hasElement("day_obs")) return [...items];
  const days: ExportRecord[] = [];
  for (const element of ["exposure", "visit"]) {
    for (const record of recordsOf(items, element)) {
      const id = record["day_obs"];
      if (typeof id !== "number") continue;
      const instrument = String(record["instrument"]);
      const offset = offsets.known(instrument);
      let timespan: Timespan | null = null;
      if (offset !== undefined) {
        try {
          timespan = Timespan.fromDayObs(id, offset);
        } catch {
          // Not a YYYYMMDD date: leave the day without a timespan.
        }
      }
      days.push({ instrument, id, timespan });
    }
  }
  return addRecords(items, universe, "day_obs", days, ["instrument", "id"]);
}

/** Step 6: fields the universe's element does not have are dropped, with one warning per field. */
export function dropUnknownFields(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  warnings: string[],
): ExportItem[] {
  const dropped = new Map<string, number>();
  const out = items.map((item) => {
    if (item.kind !== "dimension" || !universe.hasElement(item.element)) return item;
    const fields = new Set(universe.getElement(item.element).recordFields.map((f) => f.name));
    let changed = false;
    const records = item.records.map((record) => {
      const unknown = Object.keys(record).filter((name) => !fields.has(name));
      if (unknown.length === 0) return record;
      changed = true;
      const copy: MutableRecord = { ...record };
      for (const name of unknown) {
        delete copy[name];
        const at = `${item.element}.${name}`;
        dropped.set(at, (dropped.get(at) ?? 0) + 1);
      }
      return copy;
    });
    return changed ? { ...item, records } : item;
  });
  for (const [field, count] of dropped) {
    warnings.push(`dropped ${field} from ${count} record(s): universe ${universe.version} has no such field`);
  }
  return out;
}

/** The observing day (YYYYMMDD) of a TAI time, for a day that starts `offsetSeconds` after TAI midnight. */
export function dayObsFromTime(ns: bigint, offsetSeconds: number): number {
  const shifted = ns - BigInt(Math.round(offsetSeconds * 1e9));
  const { year, month, day } = timeToCalendar(shifted, "tai");
  return year * 10000 + month * 100 + day;
}

/**
 * The observing-day offset of each instrument: given, else read from the file's day_obs records
 * (begin of the timespan minus TAI midnight of the day), else DEFAULT_DAY_OBS_OFFSETS.
 */
export class DayObsOffsetTable {
  private readonly offsets = new Map<string, number>();
  private readonly warned = new Set<string>();
  private readonly warnings: string[];

  constructor(items: readonly ExportItem[], given: DayObsOffsets, warnings: string[]) {
    this.warnings = warnings;
    for (const [instrument, offset] of Object.entries(DEFAULT_DAY_OBS_OFFSETS))
      this.offsets.set(instrument, offset);
    for (const record of recordsOf(items, "day_obs")) {
      const timespan = record["timespan"];
      const id = record["id"];
      if (!(timespan instanceof Timespan) || timespan.begin === null || typeof id !== "number") continue;
      let midnight: bigint;
      try {
        midnight = timeFromCalendar({
          year: Math.floor(id / 10000),
          month: Math.floor(id / 100) % 100,
          day: id % 100,
          hour: 0,
          minute: 0,
          second: 0,
          nanosecond: 0,
        });
      } catch {
        continue; // not a YYYYMMDD day
      }
      const offset = Number(timespan.begin - midnight) / Number(NS_PER_SECOND);
      if (Math.abs(offset) < Number(NS_PER_DAY / NS_PER_SECOND))
        this.offsets.set(String(record["instrument"]), offset);
    }
    for (const [instrument, offset] of Object.entries(given)) this.offsets.set(instrument, offset);
  }

  /** The offset in seconds, or undefined when nothing says it. */
  known(instrument: string): number | undefined {
    return this.offsets.get(instrument);
  }

  /** The offset, or 0 with a warning (once per instrument). */
  offsetOrZero(instrument: string): number {
    const offset = this.offsets.get(instrument);
    if (offset !== undefined) return offset;
    if (!this.warned.has(instrument)) {
      this.warned.add(instrument);
      this.warnings.push(
        `no observing-day offset is known for instrument '${instrument}': day_obs values were derived ` +
          "from datetime_begin with offset 0 (TAI midnight); pass dayObsOffsets to set it",
      );
    }
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------------

function key(...values: unknown[]): string {
  return values.map((v) => String(v)).join("\u0000");
}

function recordsOf(items: readonly ExportItem[], element: string): ExportRecord[] {
  return items.flatMap((item) => (item.kind === "dimension" && item.element === element ? item.records : []));
}

/** The items with every record of `element` replaced by `fn(record)`; other items are kept as they are. */
function mapRecords(
  items: readonly ExportItem[],
  element: string,
  fn: (record: ExportRecord) => ExportRecord,
): ExportItem[] {
  return items.map((item) => {
    if (item.kind !== "dimension" || item.element !== element) return item;
    const records = item.records.map(fn);
    return records.every((r, i) => r === item.records[i]) ? item : { ...item, records };
  });
}

/**
 * Adds the records whose `keys` values no record of the element in the items has (nor an earlier
 * added one), as a new dimension item placed before the first item of a later element.
 */
function addRecords(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  element: string,
  records: readonly ExportRecord[],
  keys: readonly string[],
): ExportItem[] {
  const seen = new Set(recordsOf(items, element).map((r) => key(...keys.map((k) => r[k]))));
  const added: ExportRecord[] = [];
  for (const record of records) {
    const k = key(...keys.map((name) => record[name]));
    if (seen.has(k)) continue;
    seen.add(k);
    added.push(record);
  }
  if (added.length === 0) return [...items];
  const item: DimensionItem = { kind: "dimension", element, records: added };
  const index = universe.getElement(element).index;
  const later = items.findIndex(
    (it) =>
      it.kind === "dimension" &&
      universe.hasElement(it.element) &&
      universe.getElement(it.element).index > index,
  );
  if (later >= 0) return [...items.slice(0, later), item, ...items.slice(later)];
  let lastDimension = -1;
  items.forEach((it, i) => {
    if (it.kind === "dimension") lastDimension = i;
  });
  return [...items.slice(0, lastDimension + 1), item, ...items.slice(lastDimension + 1)];
}
