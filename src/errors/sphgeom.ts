/** Errors of the `sphgeom` layer: regions and coordinates. */
import { InvalidArgumentError } from "./base.ts";

/**
 * A sky region or coordinate that cannot be built: a latitude outside ±90° ("invalid latitude angle"),
 * a malformed IVOA POS string, a degenerate polygon, or undecodable region bytes. It is an invalid
 * argument (same code and exit status); `kind` says which check failed.
 */
export class InvalidRegionError extends InvalidArgumentError {
  readonly kind: "coordinate" | "pos" | "polygon" | "circle" | "box" | "encoding";

  constructor(kind: InvalidRegionError["kind"], message: string) {
    super(message);
    this.kind = kind;
  }
}
