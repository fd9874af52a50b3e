/**
 * `FilterLabel`: an abstract band ("r") and/or a physical filter ("HSC-R2"). EXPINFO_V ≥ 2 files keep
 * it in the archive (a FilterLabel table: packed flags `band_exists`/`physical_exists`, `band`,
 * `physical`); older files have a `FILTER` header string, converted with afw's heuristics.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { type ArchiveObject, ArchiveSchema, afwSchemaCards, columnValues } from "./archive-types.ts";

export class FilterLabel {
  readonly band?: string;
  readonly physical?: string;

  constructor(fields: { band?: string; physical?: string }) {
    if (fields.band === undefined && fields.physical === undefined) {
      throw new InvalidArgumentError("a FilterLabel needs a band, a physical filter, or both");
    }
    if (fields.band !== undefined) this.band = fields.band;
    if (fields.physical !== undefined) this.physical = fields.physical;
  }

  equals(other: FilterLabel): boolean {
    return this.band === other.band && this.physical === other.physical;
  }

  /** As afw: `FilterLabel(band="r", physical="HSC-R2")`. */
  toString(): string {
    const parts: string[] = [];
    if (this.band !== undefined) parts.push(`band="${this.band}"`);
    if (this.physical !== undefined) parts.push(`physical="${this.physical}"`);
    return `FilterLabel(${parts.join(", ")})`;
  }

  toJSON(): { band?: string; physical?: string } {
    return {
      ...(this.band !== undefined ? { band: this.band } : {}),
      ...(this.physical !== undefined ? { physical: this.physical } : {}),
    };
  }
}

const BANDS = new Set(["u", "g", "r", "i", "z", "y", "SH", "PH", "VR", "white"]);

/**
 * afw's conversion of a legacy `FILTER` value: `_unknown_` (or blank) is no filter; r2, i2 and SOLID
 * are special HSC names; u g r i z y SH PH VR white, N<digits> and I<2+ digits> are bands; anything
 * else is a physical filter.
 */
export function filterLabelFromLegacyName(name: string | undefined): FilterLabel | undefined {
  const text = name?.trim();
  if (text === undefined || text === "" || text === "_unknown_") return undefined;
  if (text === "r2") return new FilterLabel({ band: "r", physical: "HSC-R2" });
  if (text === "i2") return new FilterLabel({ band: "i", physical: "HSC-I2" });
  if (text === "SOLID") return new FilterLabel({ physical: "solid plate 0.0 0.0" });
  if (BANDS.has(text) || /^N\d+$/.test(text) || /^I\d{2,}$/.test(text))
    return new FilterLabel({ band: text });
  return new FilterLabel({ physical: text });
}

const FILTER_LABEL_SCHEMA = new ArchiveSchema(
  [
    { name: "flags", format: "2X", comment: "bits for all Flag fields; see also TFLAGn" },
    { name: "band", format: "32A", comment: "label for field" },
    { name: "physical", format: "32A", comment: "label for field" },
  ],
  afwSchemaCards([
    {
      doc: "",
      flags: [
        { name: "band_exists", doc: "Whether the band is set" },
        { name: "physical_exists", doc: "Whether the physical filter is set" },
      ],
    },
    { doc: "Abstract band name", cls: "String" },
    { doc: "Physical filter name", cls: "String" },
  ]),
);

/** The FilterLabel of an archive object; undefined when the object is not one. */
export function decodeFilterLabel(object: ArchiveObject): FilterLabel | undefined {
  const catalog = object.catalogs[0];
  if (object.name !== "FilterLabel" || catalog === undefined || catalog.nrows < 1) return undefined;
  const flags = columnValues(catalog, "flags") as Uint8Array | undefined;
  const band = (columnValues(catalog, "band") as string[] | undefined)?.[0];
  const physical = (columnValues(catalog, "physical") as string[] | undefined)?.[0];
  const hasBand = flags === undefined ? band !== undefined && band !== "" : flags[0] === 1;
  const hasPhysical = flags === undefined ? physical !== undefined && physical !== "" : flags[1] === 1;
  if (!hasBand && !hasPhysical) return undefined;
  return new FilterLabel({
    ...(hasBand ? { band: band ?? "" } : {}),
    ...(hasPhysical ? { physical: physical ?? "" } : {}),
  });
}

/** A FilterLabel archive object (one row). */
export function encodeFilterLabel(label: FilterLabel, id: number): ArchiveObject {
  return {
    id,
    name: "FilterLabel",
    module: "lsst.afw.image",
    catalogs: [
      {
        schema: FILTER_LABEL_SCHEMA,
        nrows: 1,
        values: [
          Uint8Array.of(label.band !== undefined ? 1 : 0, label.physical !== undefined ? 1 : 0),
          [label.band ?? ""],
          [label.physical ?? ""],
        ],
      },
    ],
  };
}
