/**
 * The mask plane dictionary: plane name → bit index, read from a MASK header's `MP_<NAME> = <bit>`
 * cards and written back the same way. Validated as afw does: a name on two bits, two names on one
 * bit, or a bit the pixel type cannot hold is an error.
 */
import { MaskPlaneError } from "../errors/index.ts";
import { type Card, normalizeKey } from "../fits/card.ts";
import type { Header } from "../fits/header.ts";
import { makeCard } from "../fits/header.ts";

/** afw's default planes, in bit order. */
export const DEFAULT_MASK_PLANES: readonly string[] = [
  "BAD",
  "SAT",
  "INTRP",
  "CR",
  "EDGE",
  "DETECTED",
  "DETECTED_NEGATIVE",
  "SUSPECT",
  "NO_DATA",
  "VIGNETTED",
  "STREAK",
];

export class MaskPlaneDict {
  readonly #bits: ReadonlyMap<string, number>;
  /** Bits the pixel type holds: 32 for int32 masks, 16 for legacy uint16 masks. */
  readonly bitsAvailable: number;

  /** A dictionary from name → bit entries; validated. */
  constructor(entries: Iterable<readonly [string, number]>, bitsAvailable = 32) {
    const bits = new Map<string, number>();
    const owners = new Map<number, string>();
    for (const [name, bit] of entries) {
      if (!Number.isInteger(bit) || bit < 0 || bit >= bitsAvailable) {
        throw new MaskPlaneError(
          `mask plane ${name} has bit ${bit}; a ${bitsAvailable}-bit mask holds bits 0..${bitsAvailable - 1}`,
          [name],
        );
      }
      const previous = bits.get(name);
      if (previous !== undefined && previous !== bit) {
        throw new MaskPlaneError(`mask plane ${name} is given twice, on bits ${previous} and ${bit}`, [name]);
      }
      const owner = owners.get(bit);
      if (owner !== undefined && owner !== name) {
        throw new MaskPlaneError(`mask planes ${owner} and ${name} both claim bit ${bit}`, [owner, name]);
      }
      bits.set(name, bit);
      owners.set(bit, name);
    }
    this.#bits = bits;
    this.bitsAvailable = bitsAvailable;
  }

  /** afw's default dictionary (BAD 0 … STREAK 10). */
  static defaults(bitsAvailable = 32): MaskPlaneDict {
    return new MaskPlaneDict(
      DEFAULT_MASK_PLANES.map((name, bit) => [name, bit] as const),
      bitsAvailable,
    );
  }

  /** The planes named by a header's `MP_*` cards (repeated cards included, so duplicates are caught). */
  static fromHeader(header: Header, bitsAvailable = 32): MaskPlaneDict {
    const entries: [string, number][] = [];
    for (const card of header) {
      const key = normalizeKey(card.key);
      if (!key.startsWith("MP_") || card.type === "commentary") continue;
      const bit = card.value;
      const name = key.slice(3);
      if (typeof bit !== "number") {
        throw new MaskPlaneError(`mask plane card ${card.key} has value ${String(bit)}, not a bit number`, [
          name,
        ]);
      }
      entries.push([name, bit]);
    }
    return new MaskPlaneDict(entries, bitsAvailable);
  }

  get size(): number {
    return this.#bits.size;
  }

  /** Plane names in bit order. */
  get names(): string[] {
    return [...this.#bits.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
  }

  /** Entries in bit order. */
  entries(): [string, number][] {
    return [...this.#bits.entries()].sort((a, b) => a[1] - b[1]);
  }

  has(name: string): boolean {
    return this.#bits.has(name);
  }

  /** The bit index of a plane; an unknown name is a MaskPlaneError listing the known ones. */
  getBit(name: string): number {
    const bit = this.#bits.get(name);
    if (bit === undefined) {
      throw new MaskPlaneError(`no mask plane ${name}; planes are ${this.names.join(", ")}`, [name]);
    }
    return bit;
  }

  /** The OR of the planes' bit values (`1 << bit`), as afw's getPlaneBitMask. */
  getPlaneBitMask(names: string | readonly string[]): number {
    const list = typeof names === "string" ? [names] : names;
    let mask = 0;
    for (const name of list) mask = (mask | (2 ** this.getBit(name))) >>> 0;
    return mask;
  }

  /** A dictionary with `name` added on the lowest free bit (unchanged if it is there already). */
  withPlane(name: string): MaskPlaneDict {
    if (this.#bits.has(name)) return this;
    const used = new Set(this.#bits.values());
    let bit = 0;
    while (used.has(bit)) bit++;
    return new MaskPlaneDict([...this.#bits.entries(), [name, bit]], this.bitsAvailable);
  }

  equals(other: MaskPlaneDict): boolean {
    if (other.size !== this.size) return false;
    for (const [name, bit] of this.#bits) if (other.#bits.get(name) !== bit) return false;
    return true;
  }

  /** `MP_<NAME>` cards sorted by name, as afw writes them (long names become HIERARCH). */
  toCards(): Card[] {
    return [...this.#bits.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([name, bit]) => makeCard(`MP_${name}`, bit));
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }
}

/** Whether a header key is a mask plane card. */
export function isMaskPlaneKey(key: string): boolean {
  return normalizeKey(key).startsWith("MP_");
}
