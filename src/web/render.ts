/**
 * Turns a sampled plane into a preview PNG: the stretch in grey, then the chosen mask planes as
 * coloured, half-transparent overlays. Rows are flipped so north-up images show with y increasing
 * upward, as every astronomical viewer draws them.
 */
import type { PlaneSample } from "./plane-reader.ts";
import { encodePng } from "./png.ts";
import { applyStretch, type StretchName, stretchLimits } from "./stretch.ts";

/** afw's display colours for the usual planes; others take the next of the spare colours. */
const PLANE_COLOURS: Readonly<Record<string, readonly [number, number, number]>> = {
  BAD: [255, 0, 0],
  CR: [255, 0, 255],
  EDGE: [255, 255, 0],
  INTRP: [0, 255, 0],
  SAT: [0, 200, 0],
  DETECTED: [0, 120, 255],
  DETECTED_NEGATIVE: [0, 255, 255],
  SUSPECT: [255, 165, 0],
  NO_DATA: [255, 128, 0],
};
const SPARE_COLOURS: readonly (readonly [number, number, number])[] = [
  [255, 105, 180],
  [160, 32, 240],
  [0, 128, 128],
  [128, 128, 0],
];

/** The colour of each mask plane, by name (stable for a given set of planes). */
export function maskColours(planes: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  let spare = 0;
  for (const name of Object.keys(planes).sort()) {
    const [r, g, b] = PLANE_COLOURS[name] ?? SPARE_COLOURS[spare++ % SPARE_COLOURS.length]!;
    out[name] = `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
  }
  return out;
}

export interface RenderedPreview {
  readonly png: Buffer;
  readonly limits: readonly [number, number];
}

/**
 * The preview of `sample` (image or variance under the stretch; a mask plane as set / unset), with
 * `overlay` planes of `mask` blended over it.
 */
export function renderPreview(
  sample: PlaneSample,
  stretch: StretchName,
  mask?: PlaneSample,
  overlay: readonly string[] = [],
  fixedLimits?: readonly [number, number],
): RenderedPreview {
  const { columns, rows } = sample;
  const isMask = sample.maskPlanes !== undefined;
  // A detail view of a zoomed region keeps the whole image's limits, so its brightness matches.
  const limits: readonly [number, number] = isMask
    ? [0, 1]
    : (fixedLimits ?? stretchLimits(sample.values, stretch));
  const grey = isMask
    ? Uint8Array.from(Array.from(sample.values as ArrayLike<number>, (v) => (v !== 0 ? 255 : 0)))
    : applyStretch(sample.values, stretch, limits);
  const colours = mask?.maskPlanes === undefined ? {} : maskColours(mask.maskPlanes);
  const layers = overlay
    .filter((name) => mask?.maskPlanes?.[name] !== undefined)
    .map((name) => ({ bit: 1 << mask!.maskPlanes![name]!, rgb: hexRgb(colours[name]!) }));
  if (layers.length === 0) {
    const flipped = new Uint8Array(columns * rows);
    for (let r = 0; r < rows; r++)
      flipped.set(grey.subarray(r * columns, (r + 1) * columns), (rows - 1 - r) * columns);
    return { png: encodePng(columns, rows, flipped, 1), limits };
  }
  const rgb = new Uint8Array(columns * rows * 3);
  for (let r = 0; r < rows; r++) {
    const out = (rows - 1 - r) * columns * 3;
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      let red = grey[i]!;
      let green = red;
      let blue = red;
      const bits = mask!.values[i]!;
      for (const layer of layers) {
        if ((bits & layer.bit) === 0) continue;
        red = (red + layer.rgb[0]) >> 1;
        green = (green + layer.rgb[1]) >> 1;
        blue = (blue + layer.rgb[2]) >> 1;
      }
      const o = out + c * 3;
      rgb[o] = red;
      rgb[o + 1] = green;
      rgb[o + 2] = blue;
    }
  }
  return { png: encodePng(columns, rows, rgb, 3), limits };
}

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
