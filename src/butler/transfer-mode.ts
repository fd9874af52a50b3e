/** daf_butler's transfer modes of ingest, import and transfer, and what each means to the datastore. */
import type { IngestTransfer } from "../datastore/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";

/** daf_butler's transfer names; `hardlink` and `link` are the same. */
export type TransferMode =
  | "auto"
  | "copy"
  | "move"
  | "hardlink"
  | "link"
  | "symlink"
  | "relsymlink"
  | "direct";
export const TRANSFER_MODES: readonly TransferMode[] = [
  "auto",
  "copy",
  "move",
  "hardlink",
  "link",
  "symlink",
  "relsymlink",
  "direct",
];

/** Maps daf_butler's transfer names to the datastore's. */
export function datastoreTransfer(mode: string): IngestTransfer {
  if (!(TRANSFER_MODES as readonly string[]).includes(mode)) {
    throw new InvalidArgumentError(`unknown transfer mode '${mode}'; accepted: ${TRANSFER_MODES.join(", ")}`);
  }
  return mode === "hardlink" ? "link" : (mode as IngestTransfer);
}
