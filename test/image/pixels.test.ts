/**
 * Image, Mask (with its plane dictionary validated as afw does) and MaskedImage: PARENT/LOCAL pixel
 * access, cutouts with their headers moved, and the errors that name what was wrong.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError, MaskPlaneError } from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { Box2I } from "../../src/image/box.ts";
import { Image } from "../../src/image/image.ts";
import { Mask } from "../../src/image/mask.ts";
import { DEFAULT_MASK_PLANES, MaskPlaneDict } from "../../src/image/mask-planes.ts";
import { MaskedImage } from "../../src/image/masked-image.ts";

const BOX = Box2I.fromCorners(100, 200, 103, 202); // 4 x 3, xy0 = (100, 200)

function ramp(): Image<Float32Array> {
  return new Image(
    Float32Array.from({ length: 12 }, (_, i) => i),
    BOX,
  );
}

describe("Image", () => {
  test("pixels are addressed in PARENT coordinates by default, LOCAL on request", () => {
    const image = ramp();
    assert.equal(image.get(100, 200), 0);
    assert.equal(image.get(103, 202), 11);
    assert.equal(image.get(1, 2, "LOCAL"), 9);
    image.set(101, 200, 42);
    assert.equal(image.get(1, 0, "LOCAL"), 42);
    assert.throws(() => image.get(0, 0), /outside/);
    assert.equal(image.pixelType, "float32");
    assert.ok(image.xy0.equals(BOX.minimum));
  });

  test("the pixel count must fill the box", () => {
    assert.throws(() => new Image(new Float32Array(11), BOX), InvalidArgumentError);
  });

  test("subset copies the box and moves the header to the cutout", () => {
    const header = new Header();
    header.set("CRPIX1", 10.5).set("CRPIX2", 20.25).set("LTV1", -100.0).set("LTV2", -200.0);
    header.set("CRVAL1A", 100.0).set("CRVAL2A", 200.0);
    const image = new Image(ramp().array, BOX, header);
    const cut = image.subset(Box2I.fromCorners(1, 1, 2, 2), "LOCAL");
    assert.ok(cut.bbox.equals(Box2I.fromCorners(101, 201, 102, 202)));
    assert.deepEqual(Array.from(cut.array), [5, 6, 9, 10]);
    assert.ok(cut.equals(image.subset(Box2I.fromCorners(101, 201, 102, 202))));
    assert.equal(cut.header?.getNumber("CRPIX1"), 9.5);
    assert.equal(cut.header?.getNumber("CRPIX2"), 19.25);
    assert.equal(cut.header?.getNumber("LTV1"), -101);
    assert.equal(cut.header?.getNumber("CRVAL2A"), 201);
    assert.equal(header.getNumber("CRPIX1"), 10.5, "the original header is untouched");
    assert.throws(() => image.subset(Box2I.fromCorners(0, 0, 1, 1)), /not inside/);
  });

  test("equals compares box, type and bytes", () => {
    const a = ramp();
    assert.ok(a.equals(a.clone()));
    assert.ok(!a.equals(new Image(Float64Array.from(a.array), BOX)));
    const b = a.clone();
    b.set(100, 200, 1);
    assert.ok(!a.equals(b));
  });
});

describe("MaskPlaneDict", () => {
  test("reads MP_* cards, HIERARCH ones included", () => {
    const header = new Header();
    header.set("MP_BAD", 0).set("MP_DETECTED_NEGATIVE", 6).set("MP_BRIGHT_OBJECT", 11).set("OTHER", 3);
    const planes = MaskPlaneDict.fromHeader(header);
    assert.deepEqual(planes.toJSON(), { BAD: 0, DETECTED_NEGATIVE: 6, BRIGHT_OBJECT: 11 });
    assert.equal(planes.getPlaneBitMask(["BAD", "BRIGHT_OBJECT"]), 1 | (1 << 11));
    assert.equal(planes.getPlaneBitMask("DETECTED_NEGATIVE"), 64);
  });

  test("a name on two bits, or two names on one bit, is refused as afw refuses it", () => {
    const twice = new Header([
      { key: "MP_BAD", type: "integer", value: 0 },
      { key: "MP_BAD", type: "integer", value: 3 },
    ]);
    assert.throws(
      () => MaskPlaneDict.fromHeader(twice),
      (e: unknown) => {
        assert.ok(e instanceof MaskPlaneError);
        assert.deepEqual(e.planes, ["BAD"]);
        return true;
      },
    );
    const shared = new Header();
    shared.set("MP_BAD", 2).set("MP_SAT", 2);
    assert.throws(() => MaskPlaneDict.fromHeader(shared), /BAD and SAT both claim bit 2/);
    const tooHigh = new Header();
    tooHigh.set("MP_HIGH", 16);
    assert.throws(() => MaskPlaneDict.fromHeader(tooHigh, 16), /16-bit mask holds bits 0..15/);
    assert.equal(MaskPlaneDict.fromHeader(tooHigh, 32).getBit("HIGH"), 16);
  });

  test("unknown planes are named with the known ones", () => {
    assert.throws(
      () => MaskPlaneDict.defaults().getPlaneBitMask("NOPE"),
      /no mask plane NOPE; planes are BAD, SAT/,
    );
  });

  test("defaults, withPlane, and cards sorted by name", () => {
    const planes = MaskPlaneDict.defaults().withPlane("CUSTOM");
    assert.deepEqual(planes.names.slice(0, DEFAULT_MASK_PLANES.length), [...DEFAULT_MASK_PLANES]);
    assert.equal(planes.getBit("CUSTOM"), 11);
    const keys = planes.toCards().map((c) => c.key);
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(MaskPlaneDict.fromHeader(new Header(planes.toCards())).equals(planes));
  });
});

describe("Mask and MaskedImage", () => {
  test("a mask tests and counts planes", () => {
    const mask = Mask.zerosMask(BOX);
    mask.set(101, 201, mask.getPlaneBitMask(["SAT", "CR"]));
    assert.ok(mask.isSet(101, 201, "CR"));
    assert.ok(!mask.isSet(101, 201, "BAD"));
    assert.equal(mask.count("SAT"), 1);
    const cut = mask.subset(Box2I.fromCorners(101, 201, 101, 201));
    assert.ok(cut instanceof Mask);
    assert.ok(cut.planes.equals(mask.planes));
  });

  test("legacy uint16 masks keep 16 bits", () => {
    const mask = new Mask(new Uint16Array(12), BOX);
    assert.equal(mask.planes.bitsAvailable, 16);
    assert.throws(() => new Mask(new Float32Array(12) as unknown as Int32Array, BOX), InvalidArgumentError);
  });

  test("planes must cover the same box", () => {
    const image = ramp();
    const mi = new MaskedImage(image);
    assert.equal(mi.variance.pixelType, "float32");
    assert.ok(mi.mask.bbox.equals(BOX));
    assert.throws(
      () => new MaskedImage(image, Mask.zerosMask(Box2I.fromCorners(0, 0, 3, 2))),
      /does not cover the same pixels/,
    );
    const cut = mi.subset(Box2I.fromCorners(0, 0, 1, 1), "LOCAL");
    assert.ok(cut.bbox.equals(Box2I.fromCorners(100, 200, 101, 201)));
  });
});
