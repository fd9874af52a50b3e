/**
 * SkyWcs ↔ FITS header cards: CRPIX/CRVAL/CTYPE, the CD matrix (or PC + CDELT, or CROTA2 + CDELT),
 * LONPOLE, RADESYS/EQUINOX, and SIP `A/B` (forward) and `AP/BP` (inverse) polynomials. A header's
 * CRPIX is relative to that HDU's grid; the SkyWcs keeps it in PARENT pixels (CRPIX − 1 + xy0).
 */
import { type Card, normalizeKey } from "../fits/card.ts";
import { type Header, makeCard } from "../fits/header.ts";
import type { Point2I } from "./point.ts";
import { type SipCoefficients, SkyWcs } from "./sky-wcs.ts";

const WCS_KEY =
  /^(WCSAXES|WCSNAME|CRPIX[12]|CRVAL[12]|CTYPE[12]|CUNIT[12]|CDELT[12]|CROTA[12]|CD[12]_[12]|PC[12]_[12]|RADESYS|RADECSYS|EQUINOX|EPOCH|LONPOLE|LATPOLE|(A|B|AP|BP)_ORDER|(A|B|AP|BP)_\d+_\d+|A_DMAX|B_DMAX)$/;

/** Whether a key is one of the celestial WCS keys this module reads or writes. */
export function isWcsKey(key: string): boolean {
  return WCS_KEY.test(normalizeKey(key));
}

const CTYPE = /^([A-Z]{1,4})-*-(TAN)(-SIP)?$/;

/**
 * The TAN or TAN-SIP WCS of a plane header whose first pixel is PARENT `xy0`; undefined when the
 * header has no celestial WCS or one that is not TAN (afw then has no header WCS either).
 */
export function readSkyWcs(header: Header, xy0: Point2I, ast?: string): SkyWcs | undefined {
  const ctype1 = header.getString("CTYPE1")?.trim().toUpperCase();
  const ctype2 = header.getString("CTYPE2")?.trim().toUpperCase();
  if (ctype1 === undefined || ctype2 === undefined) return undefined;
  const m1 = CTYPE.exec(ctype1);
  const m2 = CTYPE.exec(ctype2);
  if (m1 === null || m2 === null) return undefined;
  const lon = m1[1]!;
  const lat = m2[1]!;
  // Longitude must come first (RA/DEC, GLON/GLAT, ELON/ELAT, xLON/xLAT).
  if (!(lon === "RA" || lon.endsWith("LON")) || !(lat === "DEC" || lat.endsWith("LAT"))) return undefined;
  const crval1 = header.getNumber("CRVAL1");
  const crval2 = header.getNumber("CRVAL2");
  if (crval1 === undefined || crval2 === undefined) return undefined;
  const crpix1 = header.getNumber("CRPIX1") ?? 0;
  const crpix2 = header.getNumber("CRPIX2") ?? 0;
  const cd = readCd(header);
  const hasSip = m1[3] !== undefined || m2[3] !== undefined;
  const params: ConstructorParameters<typeof SkyWcs>[0] = {
    crpix: [crpix1 - 1 + xy0.x, crpix2 - 1 + xy0.y],
    crval: [crval1, crval2],
    cd,
    axes: [lon, lat],
  };
  if (hasSip) {
    const sip = readSip(header);
    if (sip !== undefined) params.sip = sip;
  }
  const lonpole = header.getNumber("LONPOLE");
  if (lonpole !== undefined) params.lonpole = lonpole;
  const radesys = (header.getString("RADESYS") ?? header.getString("RADECSYS"))?.trim();
  if (radesys !== undefined) params.radesys = radesys;
  const equinox = header.getNumber("EQUINOX") ?? header.getNumber("EPOCH");
  if (equinox !== undefined) params.equinox = equinox;
  if (ast !== undefined) params.ast = ast;
  try {
    return new SkyWcs(params);
  } catch {
    return undefined;
  }
}

/** CD1_1…CD2_2; else PC × CDELT; else CROTA2 with CDELT (FITS WCS paper II, §6.1). */
function readCd(header: Header): [number, number, number, number] {
  const keys = ["CD1_1", "CD1_2", "CD2_1", "CD2_2"];
  if (keys.some((k) => header.has(k))) {
    return keys.map((k) => header.getNumber(k) ?? 0) as [number, number, number, number];
  }
  const cdelt1 = header.getNumber("CDELT1") ?? 1;
  const cdelt2 = header.getNumber("CDELT2") ?? 1;
  const pcKeys = ["PC1_1", "PC1_2", "PC2_1", "PC2_2"];
  if (pcKeys.some((k) => header.has(k))) {
    const [p11, p12, p21, p22] = pcKeys.map(
      (k, i) => header.getNumber(k) ?? (i === 0 || i === 3 ? 1 : 0),
    ) as [number, number, number, number];
    return [cdelt1 * p11, cdelt1 * p12, cdelt2 * p21, cdelt2 * p22];
  }
  const rho = ((header.getNumber("CROTA2") ?? 0) * Math.PI) / 180;
  const c = Math.cos(rho);
  const s = Math.sin(rho);
  return [cdelt1 * c, -cdelt2 * s, cdelt1 * s, cdelt2 * c];
}

function readPolynomial(header: Header, name: string): number[][] | undefined {
  const order = header.getInteger(`${name}_ORDER`);
  if (order === undefined || order < 0 || order > 20) return undefined;
  const matrix: number[][] = [];
  for (let p = 0; p <= order; p++) {
    const row: number[] = [];
    for (let q = 0; q <= order; q++)
      row.push(p + q <= order ? (header.getNumber(`${name}_${p}_${q}`) ?? 0) : 0);
    matrix.push(row);
  }
  return matrix;
}

function readSip(header: Header): SipCoefficients | undefined {
  const a = readPolynomial(header, "A");
  const b = readPolynomial(header, "B");
  if (a === undefined || b === undefined) return undefined;
  const sip: SipCoefficients = { a, b };
  const ap = readPolynomial(header, "AP");
  const bp = readPolynomial(header, "BP");
  if (ap !== undefined && bp !== undefined) {
    sip.ap = ap;
    sip.bp = bp;
  }
  return sip;
}

/**
 * The WCS cards for an HDU whose first pixel is PARENT `xy0`, in the order and with the comments
 * afw's files have: WCSAXES, CRPIX, CRVAL, CTYPE, CD (all four), RADESYS, then the SIP terms.
 */
export function skyWcsCards(wcs: SkyWcs, xy0: Point2I): Card[] {
  const f = { type: "float" as const };
  const suffix = wcs.sip === undefined ? "-TAN" : "-TAN-SIP";
  const ctype = (code: string) => `${code.padEnd(4, "-")}${suffix}`;
  const cards: Card[] = [
    makeCard("WCSAXES", 2, { comment: "Number of WCS axes" }),
    makeCard("CRPIX1", wcs.crpix[0] + 1 - xy0.x, { ...f, comment: "Reference pixel on axis 1" }),
    makeCard("CRPIX2", wcs.crpix[1] + 1 - xy0.y, { ...f, comment: "Reference pixel on axis 2" }),
    makeCard("CRVAL1", wcs.crval[0], { ...f, comment: "Value at ref. pixel on axis 1" }),
    makeCard("CRVAL2", wcs.crval[1], { ...f, comment: "Value at ref. pixel on axis 2" }),
    makeCard("CTYPE1", ctype(wcs.axes[0]), { comment: "Type of co-ordinate on axis 1" }),
    makeCard("CTYPE2", ctype(wcs.axes[1]), { comment: "Type of co-ordinate on axis 2" }),
  ];
  ["CD1_1", "CD1_2", "CD2_1", "CD2_2"].forEach((key, i) => {
    cards.push(makeCard(key, wcs.cd[i]!, { ...f, comment: "Transformation matrix element" }));
  });
  const defaultLonpole = wcs.crval[1] >= 90 ? 0 : 180;
  if (wcs.lonpole !== defaultLonpole) cards.push(makeCard("LONPOLE", wcs.lonpole, f));
  if (wcs.radesys !== undefined) {
    cards.push(makeCard("RADESYS", wcs.radesys, { comment: "Reference frame for RA/DEC values" }));
  }
  if (wcs.equinox !== undefined) cards.push(makeCard("EQUINOX", wcs.equinox, f));
  if (wcs.sip !== undefined) {
    const polys: [string, number[][] | undefined, string][] = [
      ["A", wcs.sip.a, "SIP forward distortion coeff"],
      ["B", wcs.sip.b, "SIP forward distortion coeff"],
      ["AP", wcs.sip.ap, "SIP inverse distortion coeff"],
      ["BP", wcs.sip.bp, "SIP inverse distortion coeff"],
    ];
    for (const [name, matrix, comment] of polys) {
      if (matrix === undefined) continue;
      const order = matrix.length - 1;
      for (let p = 0; p <= order; p++) {
        for (let q = 0; p + q <= order; q++) {
          const value = matrix[p]?.[q] ?? 0;
          if (value !== 0) cards.push(makeCard(`${name}_${p}_${q}`, value, { ...f, comment }));
        }
      }
      cards.push(
        makeCard(`${name}_ORDER`, order, {
          comment: name.length === 1 ? "SIP max order" : "SIP inverse max order",
        }),
      );
    }
  }
  return cards;
}
