/**
 * SkyWcs against astropy.wcs on the same headers, over a grid of pixels inside and around each
 * image: pixel → sky agrees to 1e-6 arcsec; sky → pixel uses AP/BP when present (compared with
 * astropy's sip_foc2pix of the linear inverse) and Newton iteration otherwise (compared with
 * astropy's all_world2pix at 1e-12 pixel tolerance). Also: CD, PC + CDELT and CROTA2 forms, and
 * the header cards written for another xy0.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { Header } from "../../src/fits/header.ts";
import { readBBox, readWcs } from "../../src/image/component-readers.ts";
import { Point2I } from "../../src/image/point.ts";
import { SkyWcs } from "../../src/image/sky-wcs.ts";
import { readSkyWcs, skyWcsCards } from "../../src/image/wcs-header.ts";
import { fixturePath } from "../support/fixtures.ts";
import { hasAstropy, runAstropy } from "../support/oracles.ts";
import { CALEXP, HSC, openFits, VERSION2 } from "./helpers.ts";

const ARCSEC_TOLERANCE = 1e-6;

interface Case {
  name: string;
  wcs: SkyWcs;
  /** A fixture path and HDU, or header cards, for astropy. */
  path?: string;
  cards?: [string, number | string][];
  stripInverse?: boolean;
  x0: number;
  y0: number;
  x: number[];
  y: number[];
}

interface AstropyResult {
  ra: number[];
  dec: number[];
  px: number[];
  py: number[];
  inverse: "sip_foc2pix" | "all_world2pix";
}

const SCRIPT = `
import json, sys, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
warnings.simplefilter("ignore")
out = []
for case in json.load(open(sys.argv[1])):
    if case.get("path"):
        header = fits.getheader(case["path"], 1)
    else:
        header = fits.Header()
        for k, v in case["cards"]:
            header[k] = v
    if case.get("stripInverse"):
        for k in list(header.keys()):
            if k.startswith("AP_") or k.startswith("BP_"):
                del header[k]
    w = WCS(header)
    p1 = np.array(case["x"], dtype=float) + 1 - case["x0"]
    p2 = np.array(case["y"], dtype=float) + 1 - case["y0"]
    ra, dec = w.all_pix2world(p1, p2, 1)
    if w.sip is not None and w.sip.ap is not None:
        lin = np.column_stack(w.wcs_world2pix(ra, dec, 1))
        inv = w.sip_foc2pix(lin - w.wcs.crpix, 1)
        kind = "sip_foc2pix"
    else:
        inv = np.column_stack(w.all_world2pix(ra, dec, 1, tolerance=1e-12, maxiter=200))
        kind = "all_world2pix"
    out.append({"ra": ra.tolist(), "dec": dec.tolist(), "px": (inv[:, 0] - 1 + case["x0"]).tolist(),
                "py": (inv[:, 1] - 1 + case["y0"]).tolist(), "inverse": kind})
print(json.dumps(out))
`;

function grid(
  x0: number,
  y0: number,
  width: number,
  height: number,
  margin: number,
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i <= 8; i++) {
    for (let j = 0; j <= 8; j++) {
      x.push(x0 - margin + ((width + 2 * margin) * i) / 8 + 0.25);
      y.push(y0 - margin + ((height + 2 * margin) * j) / 8 - 0.125);
    }
  }
  return { x, y };
}

function skySeparationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d2r = Math.PI / 180;
  const dra = (((ra1 - ra2 + 540) % 360) - 180) * Math.cos(((dec1 + dec2) / 2) * d2r);
  return Math.hypot(dra, dec1 - dec2) * 3600;
}

async function fixtureCase(file: string, stripInverse = false): Promise<Case> {
  const fits = await openFits(file);
  let wcs = (await readWcs(fits, { archive: null }))!;
  if (stripInverse && wcs.sip !== undefined) {
    wcs = new SkyWcs({ ...wcs.params(), sip: { a: wcs.sip.a, b: wcs.sip.b } });
  }
  const bbox = await readBBox(fits);
  return {
    name: `${file}${stripInverse ? " (AP/BP removed: Newton inverse)" : ""}`,
    wcs,
    path: fixturePath(file),
    stripInverse,
    x0: bbox.minX,
    y0: bbox.minY,
    ...grid(bbox.minX, bbox.minY, bbox.width, bbox.height, 300),
  };
}

function syntheticCase(name: string, cards: [string, number | string][], x0: number, y0: number): Case {
  const header = new Header();
  for (const [k, v] of cards) header.set(k, v);
  const wcs = readSkyWcs(header, new Point2I(x0, y0));
  assert.ok(wcs, `${name} parses`);
  return { name, wcs, cards, x0, y0, ...grid(x0, y0, 500, 400, 200) };
}

describe("SkyWcs agrees with astropy.wcs", {
  skip: !hasAstropy() && "astropy is not installed",
}, async () => {
  const cases: Case[] = [
    await fixtureCase(CALEXP),
    await fixtureCase(CALEXP, true),
    await fixtureCase(HSC),
    await fixtureCase(HSC, true),
    await fixtureCase(VERSION2),
    syntheticCase(
      "PC + CDELT near the pole, xy0 = (-50, 70)",
      [
        ["CTYPE1", "RA---TAN"],
        ["CTYPE2", "DEC--TAN"],
        ["CRPIX1", 250.5],
        ["CRPIX2", 180.25],
        ["CRVAL1", 12.5],
        ["CRVAL2", 89.9],
        ["CDELT1", -5.5e-5],
        ["CDELT2", 5.5e-5],
        ["PC1_1", 0.8],
        ["PC1_2", -0.6],
        ["PC2_1", 0.6],
        ["PC2_2", 0.8],
      ],
      -50,
      70,
    ),
    syntheticCase(
      "CD matrix with SIP and no inverse, crossing RA = 0",
      [
        ["CTYPE1", "RA---TAN-SIP"],
        ["CTYPE2", "DEC--TAN-SIP"],
        ["CRPIX1", 10],
        ["CRPIX2", 20],
        ["CRVAL1", 0.01],
        ["CRVAL2", -45],
        ["CD1_1", -1e-4],
        ["CD1_2", 2e-6],
        ["CD2_1", 1e-6],
        ["CD2_2", 1e-4],
        ["A_ORDER", 2],
        ["A_2_0", 3e-6],
        ["A_1_1", -2e-6],
        ["A_0_2", 1e-6],
        ["B_ORDER", 2],
        ["B_2_0", -1e-6],
        ["B_0_2", 4e-6],
      ],
      0,
      0,
    ),
  ];
  const input = join(mkdtempSync(join(tmpdir(), "butler-wcs-")), "cases.json");
  writeFileSync(input, JSON.stringify(cases.map(({ wcs: _wcs, name: _name, ...rest }) => rest)));
  const results = runAstropy<AstropyResult[]>(SCRIPT, [input]);
  rmSync(dirname(input), { recursive: true, force: true });

  cases.forEach((c, k) => {
    const r = results[k]!;
    test(`${c.name}: pixel → sky within ${ARCSEC_TOLERANCE} arcsec`, () => {
      let worst = 0;
      c.x.forEach((x, i) => {
        const sky = c.wcs.pixelToSky(x, c.y[i]!);
        worst = Math.max(worst, skySeparationArcsec(sky.ra, sky.dec, r.ra[i]!, r.dec[i]!));
      });
      assert.ok(worst < ARCSEC_TOLERANCE, `worst separation ${worst} arcsec`);
    });
    test(`${c.name}: sky → pixel (${r.inverse}) within ${ARCSEC_TOLERANCE} arcsec`, () => {
      let worst = 0;
      c.x.forEach((_, i) => {
        const p = c.wcs.skyToPixel(r.ra[i]!, r.dec[i]!);
        const scale = c.wcs.pixelScale(p.x, p.y);
        worst = Math.max(worst, Math.hypot(p.x - r.px[i]!, p.y - r.py[i]!) * scale);
      });
      assert.ok(worst < ARCSEC_TOLERANCE, `worst difference ${worst} arcsec`);
      if (r.inverse === "all_world2pix") {
        // Newton's inverse is exact: it returns the pixels we started from.
        c.x.forEach((x, i) => {
          const p = c.wcs.skyToPixel(r.ra[i]!, r.dec[i]!);
          assert.ok(Math.hypot(p.x - x, p.y - c.y[i]!) < 1e-8);
        });
      }
    });
  });
});

describe("SkyWcs headers", () => {
  const base: [string, number | string][] = [
    ["CTYPE1", "RA---TAN"],
    ["CTYPE2", "DEC--TAN"],
    ["CRPIX1", 100],
    ["CRPIX2", 50],
    ["CRVAL1", 150],
    ["CRVAL2", 2],
  ];
  const parse = (extra: [string, number | string][], xy0 = new Point2I(0, 0)) => {
    const header = new Header();
    for (const [k, v] of [...base, ...extra]) header.set(k, v);
    return readSkyWcs(header, xy0)!;
  };

  test("CD, PC + CDELT and CROTA2 + CDELT give the same matrix", () => {
    const rho = (30 * Math.PI) / 180;
    const d = 5e-5;
    const cd = parse([
      ["CD1_1", -d * Math.cos(rho)],
      ["CD1_2", -d * Math.sin(rho)],
      ["CD2_1", -d * Math.sin(rho)],
      ["CD2_2", d * Math.cos(rho)],
    ]);
    const pc = parse([
      ["CDELT1", -d],
      ["CDELT2", d],
      ["PC1_1", Math.cos(rho)],
      ["PC1_2", Math.sin(rho)],
      ["PC2_1", -Math.sin(rho)],
      ["PC2_2", Math.cos(rho)],
    ]);
    const crota = parse([
      ["CDELT1", -d],
      ["CDELT2", d],
      ["CROTA2", 30],
    ]);
    for (const other of [pc, crota]) {
      other.cd.forEach((v, i) => {
        assert.ok(Math.abs(v - cd.cd[i]!) < 1e-18, `element ${i}: ${v} vs ${cd.cd[i]}`);
      });
    }
  });

  test("afw pixels: FITS pixel p is x = p − 1 + x0", () => {
    const wcs = parse(
      [
        ["CD1_1", -5e-5],
        ["CD2_2", 5e-5],
      ],
      new Point2I(100, 200),
    );
    const sky = wcs.pixelToSky(100 + 100 - 1, 200 + 50 - 1);
    assert.ok(Math.abs(sky.ra - 150) < 1e-12 && Math.abs(sky.dec - 2) < 1e-12, "CRPIX maps to CRVAL");
  });

  test("cards written for another xy0 read back to the same SkyWcs", async () => {
    const wcs = (await readWcs(await openFits(CALEXP), { archive: null }))!;
    const xy0 = new Point2I(17, -3);
    const header = new Header(skyWcsCards(wcs, xy0));
    const back = readSkyWcs(header, xy0)!;
    assert.ok(back.equals(wcs));
    assert.equal(header.getNumber("CRPIX1"), wcs.crpix[0] + 1 - 17);
    assert.equal(header.getString("CTYPE2"), "DEC--TAN-SIP");
    assert.equal(header.getInteger("AP_ORDER"), 4);
  });

  test("non-TAN projections and headers without a celestial WCS give no SkyWcs", () => {
    const header = new Header();
    header.set("CTYPE1", "RA---SIN").set("CTYPE2", "DEC--SIN").set("CRVAL1", 1).set("CRVAL2", 2);
    assert.equal(readSkyWcs(header, new Point2I(0, 0)), undefined);
    assert.equal(readSkyWcs(new Header(), new Point2I(0, 0)), undefined);
  });
});
