/**
 * The archive form of afw's SkyWcs: a `wcs` byte column holding text — a version, the class name, a
 * has-approximation flag, then an AST FrameSet dump. We keep that text opaque (`SkyWcs.ast`).
 */
import { type ArchiveObject, ArchiveSchema, afwSchemaCards, columnValues } from "./archive-types.ts";

const SKY_WCS_SCHEMA = new ArchiveSchema(
  [{ name: "wcs", format: "1QB", comment: "label for field" }],
  afwSchemaCards([{ doc: "wcs string representation", cls: "Array" }]),
);

/** The AST text of a SkyWcs archive object; undefined when the object is not one. */
export function decodeSkyWcsText(object: ArchiveObject): string | undefined {
  const catalog = object.catalogs[0];
  if (object.name !== "SkyWcs" || catalog === undefined || catalog.nrows < 1) return undefined;
  const cell = (columnValues(catalog, "wcs") as Uint8Array[] | undefined)?.[0];
  return cell === undefined
    ? undefined
    : Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength).toString("latin1");
}

export function encodeSkyWcsText(text: string, id: number): ArchiveObject {
  const bytes = new Uint8Array(Buffer.from(text, "latin1"));
  return {
    id,
    name: "SkyWcs",
    module: "lsst.afw.geom",
    catalogs: [{ schema: SKY_WCS_SCHEMA, nrows: 1, values: [[bytes]] }],
  };
}
