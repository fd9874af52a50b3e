/**
 * `SkyWcs`: the FITS gnomonic (TAN) projection with optional SIP distortion, in afw's pixel
 * convention: positions are 0-based PARENT pixels (xy0 included), so one SkyWcs serves an image and
 * every cutout of it. FITS pixel p of an HDU whose xy0 is x0 is afw x = p − 1 + x0.
 *
 * The math follows the FITS WCS papers (Greisen & Calabretta 2002, Calabretta & Greisen 2002) and
 * the SIP convention (Shupe et al. 2005): pixel → SIP → CD matrix → TAN deprojection → spherical
 * rotation to the celestial frame. The inverse uses the AP/BP polynomials when the header has them,
 * as afw/AST does, and otherwise inverts the forward SIP by Newton iteration.
 *
 * The archive SkyWcs of an afw file (an AST FrameSet dump) is kept as `ast`, unparsed.
 */
import { InvalidArgumentError } from "../errors/index.ts";

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** SIP coefficients as `[p][q]` matrices (the term of u^p v^q), each of size order + 1. */
export interface SipCoefficients {
  a: number[][];
  b: number[][];
  /** Inverse polynomials, when the header has them. */
  ap?: number[][];
  bp?: number[][];
}

export interface SkyWcsParams {
  /** Reference pixel in 0-based PARENT coordinates (FITS CRPIX − 1 + xy0). */
  crpix: readonly [number, number];
  /** Celestial coordinates of the reference pixel, degrees. */
  crval: readonly [number, number];
  /** CD matrix, degrees per pixel, row-major: CD1_1, CD1_2, CD2_1, CD2_2. */
  cd: readonly [number, number, number, number];
  sip?: SipCoefficients;
  /** Native longitude of the celestial pole (LONPOLE), degrees; default by the FITS rule. */
  lonpole?: number;
  /** Coordinate axis codes, e.g. `["RA", "DEC"]` (the default) or `["GLON", "GLAT"]`. */
  axes?: readonly [string, string];
  /** RADESYS, e.g. ICRS or FK5. */
  radesys?: string;
  equinox?: number;
  /** The archive SkyWcs text (`"1 SkyWcs 0  Begin FrameSet …"`), opaque. */
  ast?: string;
}

export interface SkyPosition {
  /** Longitude (right ascension for equatorial frames), degrees in [0, 360). */
  ra: number;
  /** Latitude (declination), degrees. */
  dec: number;
}

export interface PixelPosition {
  x: number;
  y: number;
}

const NEWTON_TOLERANCE = 1e-12;
const NEWTON_MAX_ITERATIONS = 50;

export class SkyWcs {
  readonly crpix: readonly [number, number];
  readonly crval: readonly [number, number];
  readonly cd: readonly [number, number, number, number];
  readonly sip?: SipCoefficients;
  readonly lonpole: number;
  readonly axes: readonly [string, string];
  readonly radesys?: string;
  readonly equinox?: number;
  readonly ast?: string;
  readonly #cdInverse: readonly [number, number, number, number];

  constructor(params: SkyWcsParams) {
    const numbers = [...params.crpix, ...params.crval, ...params.cd];
    if (!numbers.every(Number.isFinite)) {
      throw new InvalidArgumentError(
        `SkyWcs needs finite CRPIX, CRVAL and CD values, got ${numbers.join(", ")}`,
      );
    }
    this.crpix = [params.crpix[0], params.crpix[1]];
    this.crval = [params.crval[0], params.crval[1]];
    this.cd = [params.cd[0], params.cd[1], params.cd[2], params.cd[3]];
    const [c11, c12, c21, c22] = this.cd;
    const det = c11 * c22 - c12 * c21;
    if (det === 0) throw new InvalidArgumentError("SkyWcs CD matrix is singular");
    this.#cdInverse = [c22 / det, -c12 / det, -c21 / det, c11 / det];
    if (params.sip !== undefined) this.sip = params.sip;
    // FITS rule for zenithal projections (θ0 = 90°): LONPOLE is 180° unless δ0 is the pole itself.
    this.lonpole = params.lonpole ?? (this.crval[1] >= 90 ? 0 : 180);
    this.axes = params.axes ?? ["RA", "DEC"];
    if (params.radesys !== undefined) this.radesys = params.radesys;
    if (params.equinox !== undefined) this.equinox = params.equinox;
    if (params.ast !== undefined) this.ast = params.ast;
  }

  /** Whether the forward SIP distortion is present. */
  get hasSip(): boolean {
    return this.sip !== undefined;
  }

  /** The parameters, for copying with changes: `new SkyWcs({ ...wcs.params(), ast: undefined })`. */
  params(): SkyWcsParams {
    const p: SkyWcsParams = {
      crpix: this.crpix,
      crval: this.crval,
      cd: this.cd,
      lonpole: this.lonpole,
      axes: this.axes,
    };
    if (this.sip !== undefined) p.sip = this.sip;
    if (this.radesys !== undefined) p.radesys = this.radesys;
    if (this.equinox !== undefined) p.equinox = this.equinox;
    if (this.ast !== undefined) p.ast = this.ast;
    return p;
  }

  /** Sky position of PARENT pixel (x, y), degrees. */
  pixelToSky(x: number, y: number): SkyPosition {
    let u = x - this.crpix[0];
    let v = y - this.crpix[1];
    if (this.sip !== undefined) {
      const du = evaluate(this.sip.a, u, v);
      const dv = evaluate(this.sip.b, u, v);
      u += du;
      v += dv;
    }
    const [c11, c12, c21, c22] = this.cd;
    const xw = c11 * u + c12 * v;
    const yw = c21 * u + c22 * v;
    // TAN deprojection: intermediate world coordinates (degrees) → native spherical (φ, θ).
    const r = Math.hypot(xw, yw);
    const phi = r === 0 ? 0 : Math.atan2(xw, -yw);
    const theta = Math.atan2(R2D, r);
    return this.#nativeToCelestial(phi, theta);
  }

  /** PARENT pixel of a sky position (degrees). */
  skyToPixel(ra: number, dec: number): PixelPosition {
    const { a, b, c } = this.#celestialToNative(ra * D2R, dec * D2R);
    if (c <= 0) {
      throw new InvalidArgumentError(`(${ra}, ${dec}) is on or beyond the horizon of the TAN projection`);
    }
    // TAN: R = cot θ (in degrees); x = R sin φ, y = −R cos φ with φ = φp + ψ.
    const phi = this.lonpole * D2R + Math.atan2(a, b);
    const r = (R2D * Math.hypot(a, b)) / c;
    const xw = r * Math.sin(phi);
    const yw = -r * Math.cos(phi);
    const [i11, i12, i21, i22] = this.#cdInverse;
    const f = i11 * xw + i12 * yw;
    const g = i21 * xw + i22 * yw;
    let u = f;
    let v = g;
    if (this.sip !== undefined) {
      if (this.sip.ap !== undefined && this.sip.bp !== undefined) {
        u = f + evaluate(this.sip.ap, f, g);
        v = g + evaluate(this.sip.bp, f, g);
      } else {
        [u, v] = this.#invertSip(f, g);
      }
    }
    return { x: u + this.crpix[0], y: v + this.crpix[1] };
  }

  /** Solves u + A(u, v) = f, v + B(u, v) = g by Newton's method, starting from (f, g). */
  #invertSip(f: number, g: number): [number, number] {
    const { a, b } = this.sip!;
    let u = f;
    let v = g;
    for (let i = 0; i < NEWTON_MAX_ITERATIONS; i++) {
      const [fa, au, av] = evaluateWithGradient(a, u, v);
      const [fb, bu, bv] = evaluateWithGradient(b, u, v);
      const ru = u + fa - f;
      const rv = v + fb - g;
      const j11 = 1 + au;
      const j12 = av;
      const j21 = bu;
      const j22 = 1 + bv;
      const det = j11 * j22 - j12 * j21;
      const du = (j22 * ru - j12 * rv) / det;
      const dv = (j11 * rv - j21 * ru) / det;
      u -= du;
      v -= dv;
      if (Math.abs(du) < NEWTON_TOLERANCE && Math.abs(dv) < NEWTON_TOLERANCE) break;
    }
    return [u, v];
  }

  /** Native (φ, θ) → celestial, in atan2 form so no step loses precision near the reference point or poles. */
  #nativeToCelestial(phi: number, theta: number): SkyPosition {
    const ap = this.crval[0] * D2R;
    const dp = this.crval[1] * D2R;
    const dphi = phi - this.lonpole * D2R;
    const st = Math.sin(theta);
    const ct = Math.cos(theta);
    const sdp = Math.sin(dp);
    const cdp = Math.cos(dp);
    const x = -ct * Math.sin(dphi); // cos δ sin(α − αp)
    const y = st * cdp - ct * sdp * Math.cos(dphi); // cos δ cos(α − αp)
    const z = st * sdp + ct * cdp * Math.cos(dphi); // sin δ
    let ra = ((ap + Math.atan2(x, y)) * R2D) % 360;
    if (ra < 0) ra += 360;
    return { ra, dec: Math.atan2(z, Math.hypot(x, y)) * R2D };
  }

  /**
   * Celestial → native (φ, θ) as the pair (cos θ·sin ψ, cos θ·cos ψ) with ψ = φ − φp, and sin θ.
   * Written with half-angle sines so that positions close to the reference point keep full relative
   * precision (the textbook asin form loses half the digits there).
   */
  #celestialToNative(alpha: number, delta: number): { a: number; b: number; c: number } {
    const dp = this.crval[1] * D2R;
    const da = alpha - this.crval[0] * D2R;
    const cd = Math.cos(delta);
    const half = Math.sin(da / 2);
    const h2 = 2 * half * half; // 1 − cos Δα
    const a = -cd * Math.sin(da);
    const b = Math.sin(delta - dp) + cd * Math.sin(dp) * h2;
    const c = Math.cos(delta - dp) - cd * Math.cos(dp) * h2;
    return { a, b, c };
  }

  /** Pixel scale at a PARENT pixel, arcseconds (square root of the local Jacobian determinant). */
  pixelScale(x: number, y: number): number {
    const c = this.pixelToSky(x, y);
    const px = this.pixelToSky(x + 0.5, y);
    const mx = this.pixelToSky(x - 0.5, y);
    const py = this.pixelToSky(x, y + 0.5);
    const my = this.pixelToSky(x, y - 0.5);
    const cosDec = Math.cos(c.dec * D2R);
    const dra = (a: SkyPosition, b: SkyPosition) => (((a.ra - b.ra + 540) % 360) - 180) * cosDec;
    const j11 = dra(px, mx);
    const j12 = dra(py, my);
    const j21 = px.dec - mx.dec;
    const j22 = py.dec - my.dec;
    return Math.sqrt(Math.abs(j11 * j22 - j12 * j21)) * 3600;
  }

  /** Same projection, same coefficients, same AST text. */
  equals(other: SkyWcs): boolean {
    return (
      sameNumbers(this.crpix, other.crpix) &&
      sameNumbers(this.crval, other.crval) &&
      sameNumbers(this.cd, other.cd) &&
      this.lonpole === other.lonpole &&
      this.axes[0] === other.axes[0] &&
      this.axes[1] === other.axes[1] &&
      this.radesys === other.radesys &&
      sameOptional(this.equinox, other.equinox) &&
      this.ast === other.ast &&
      sameSip(this.sip, other.sip)
    );
  }

  toString(): string {
    const sip = this.sip === undefined ? "TAN" : "TAN-SIP";
    return `SkyWcs(${sip}, crpix=(${this.crpix.join(", ")}), crval=(${this.crval.join(", ")}), cd=[${this.cd.join(", ")}])`;
  }
}

/** Σ c[p][q] u^p v^q. */
export function evaluate(c: readonly (readonly number[])[], u: number, v: number): number {
  let sum = 0;
  let up = 1;
  for (let p = 0; p < c.length; p++) {
    const row = c[p]!;
    let term = 0;
    let vq = 1;
    for (let q = 0; q < row.length; q++) {
      term += row[q]! * vq;
      vq *= v;
    }
    sum += term * up;
    up *= u;
  }
  return sum;
}

/** The polynomial and its partial derivatives in u and v. */
function evaluateWithGradient(
  c: readonly (readonly number[])[],
  u: number,
  v: number,
): [number, number, number] {
  let value = 0;
  let du = 0;
  let dv = 0;
  for (let p = 0; p < c.length; p++) {
    const row = c[p]!;
    for (let q = 0; q < row.length; q++) {
      const k = row[q]!;
      if (k === 0) continue;
      value += k * u ** p * v ** q;
      if (p > 0) du += k * p * u ** (p - 1) * v ** q;
      if (q > 0) dv += k * q * u ** p * v ** (q - 1);
    }
  }
  return [value, du, dv];
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

function sameOptional(a: number | undefined, b: number | undefined): boolean {
  return a === undefined || b === undefined ? a === b : Object.is(a, b);
}

function sameMatrix(a: number[][] | undefined, b: number[][] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const n = Math.max(a.length, b.length);
  for (let p = 0; p < n; p++) {
    const m = Math.max(a[p]?.length ?? 0, b[p]?.length ?? 0);
    for (let q = 0; q < m; q++) if ((a[p]?.[q] ?? 0) !== (b[p]?.[q] ?? 0)) return false;
  }
  return true;
}

function sameSip(a: SipCoefficients | undefined, b: SipCoefficients | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameMatrix(a.a, b.a) && sameMatrix(a.b, b.b) && sameMatrix(a.ap, b.ap) && sameMatrix(a.bp, b.bp);
}
