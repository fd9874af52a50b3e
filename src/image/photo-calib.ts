/**
 * `PhotoCalib`: instrumental flux → nJy. We decode the mean calibration, its error and whether it is
 * spatially constant (the common case) from the archive's PhotoCalib table; the spatial model of a
 * non-constant calibration is a BoundedField archive object that stays opaque (`fieldId`).
 * Legacy (EXPINFO_V = 0) files have `FLUXMAG0`/`FLUXMAG0ERR` instead, converted as afw does.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { type ArchiveObject, ArchiveSchema, afwSchemaCards, columnValues } from "./archive-types.ts";

/** The AB flux of magnitude 0 in nJy: 10^(−48.6/2.5) erg/s/cm²/Hz = 3631 Jy. */
export const REFERENCE_FLUX_NJY = 1e23 * 10 ** (48.6 / -2.5) * 1e9;

export class PhotoCalib {
  /** nJy per instrumental count (the mean over the domain for a spatially varying calibration). */
  readonly calibrationMean: number;
  readonly calibrationErr: number;
  readonly isConstant: boolean;
  /** Archive id of the BoundedField that holds the spatial model, when read from a file. */
  readonly fieldId?: number;

  constructor(fields: {
    calibrationMean: number;
    calibrationErr?: number;
    isConstant?: boolean;
    fieldId?: number;
  }) {
    this.calibrationMean = fields.calibrationMean;
    this.calibrationErr = fields.calibrationErr ?? 0;
    this.isConstant = fields.isConstant ?? true;
    if (fields.fieldId !== undefined && fields.fieldId !== 0) this.fieldId = fields.fieldId;
  }

  /**
   * From a Calib-era zero point (`FLUXMAG0` = instrumental flux of magnitude 0), as afw converts it:
   * mean = referenceFlux / fluxMag0, error = referenceFlux × fluxMag0Err / fluxMag0². A zero FLUXMAG0
   * gives an infinite mean (and a NaN or infinite error), as in afw.
   */
  static fromFluxMag0(fluxMag0: number, fluxMag0Err = 0): PhotoCalib {
    return new PhotoCalib({
      calibrationMean: REFERENCE_FLUX_NJY / fluxMag0,
      calibrationErr: (REFERENCE_FLUX_NJY * fluxMag0Err) / fluxMag0 ** 2,
      isConstant: true,
    });
  }

  /** nJy of an instrumental flux (constant calibration, or the mean of a varying one). */
  instFluxToNanojansky(instFlux: number): number {
    return instFlux * this.calibrationMean;
  }

  /** AB magnitude of an instrumental flux. */
  instFluxToMagnitude(instFlux: number): number {
    return -2.5 * Math.log10(this.instFluxToNanojansky(instFlux) / REFERENCE_FLUX_NJY);
  }

  /** Instrumental flux of magnitude 0 (the Calib-era FLUXMAG0). */
  get instFluxAtZeroMagnitude(): number {
    return REFERENCE_FLUX_NJY / this.calibrationMean;
  }

  /** Same calibration (the archive bookkeeping `fieldId` is not compared). */
  equals(other: PhotoCalib): boolean {
    return (
      Object.is(this.calibrationMean, other.calibrationMean) &&
      Object.is(this.calibrationErr, other.calibrationErr) &&
      this.isConstant === other.isConstant
    );
  }

  toString(): string {
    return `PhotoCalib(${this.isConstant ? "spatially constant" : "spatially varying"}, mean: ${this.calibrationMean}, error: ${this.calibrationErr})`;
  }
}

const PHOTO_CALIB_SCHEMA = new ArchiveSchema(
  [
    { name: "flags", format: "1X", comment: "bits for all Flag fields; see also TFLAGn" },
    { name: "calibrationMean", format: "1D", unit: "count", comment: "label for field" },
    { name: "calibrationErr", format: "1D", unit: "count", comment: "label for field" },
    { name: "field", format: "1J", comment: "label for field" },
    { name: "version", format: "1J", comment: "label for field" },
  ],
  afwSchemaCards([
    { doc: "", flags: [{ name: "isConstant", doc: "Whether the calibration is spatially constant" }] },
    { doc: "Mean calibration over the domain (nJy per count)", cls: "Scalar" },
    { doc: "1-sigma error of calibrationMean", cls: "Scalar" },
    { doc: "Archive id of the BoundedField of the spatial model", cls: "Scalar" },
    { doc: "Serialization version of the PhotoCalib", cls: "Scalar" },
  ]),
);

const CHEBYSHEV_BOUNDED_FIELD_SCHEMA = new ArchiveSchema(
  [
    { name: "order_x", format: "1J", comment: "label for field" },
    { name: "bbox_min_x", format: "1J", unit: "pixel", comment: "label for field" },
    { name: "bbox_min_y", format: "1J", unit: "pixel", comment: "label for field" },
    { name: "bbox_max_x", format: "1J", unit: "pixel", comment: "label for field" },
    { name: "bbox_max_y", format: "1J", unit: "pixel", comment: "label for field" },
    { name: "coefficients", format: "1D", comment: "label for field" },
  ],
  afwSchemaCards([
    { doc: "Highest Chebyshev order in x", cls: "Scalar" },
    { doc: "Domain minimum x", cls: "Scalar" },
    { doc: "Domain minimum y", cls: "Scalar" },
    { doc: "Domain maximum x", cls: "Scalar" },
    { doc: "Domain maximum y", cls: "Scalar" },
    { doc: "Chebyshev coefficients, y-major", cls: "Array" },
  ]),
);

const PHOTO_CALIB_VERSION = 1;

/** The PhotoCalib of an archive object; undefined when the object is not one. */
export function decodePhotoCalib(object: ArchiveObject): PhotoCalib | undefined {
  const catalog = object.catalogs[0];
  if (object.name !== "PhotoCalib" || catalog === undefined || catalog.nrows < 1) return undefined;
  const number = (name: string) => {
    const v = columnValues(catalog, name) as ArrayLike<number | bigint> | undefined;
    return v === undefined || v.length === 0 ? undefined : Number(v[0]);
  };
  const mean = number("calibrationMean");
  if (mean === undefined) return undefined;
  const flags = columnValues(catalog, "flags") as Uint8Array | undefined;
  const fields: ConstructorParameters<typeof PhotoCalib>[0] = {
    calibrationMean: mean,
    calibrationErr: number("calibrationErr") ?? 0,
    isConstant: flags === undefined ? true : flags[0] === 1,
  };
  const field = number("field");
  if (field !== undefined) fields.fieldId = field;
  return new PhotoCalib(fields);
}

/**
 * PhotoCalib archive objects: the PhotoCalib row and, for a constant calibration without a field of
 * its own, the constant ChebyshevBoundedField (order 0, empty domain, coefficient = mean) that afw
 * writes alongside it.
 */
export function encodePhotoCalib(calib: PhotoCalib, id: number, allocate: () => number): ArchiveObject[] {
  const objects: ArchiveObject[] = [];
  let fieldId = calib.fieldId;
  if (fieldId === undefined) {
    if (!calib.isConstant) {
      throw new InvalidArgumentError(
        "a spatially varying PhotoCalib needs the archive id of its BoundedField",
      );
    }
    fieldId = allocate();
    objects.push({
      id: fieldId,
      name: "ChebyshevBoundedField",
      module: "lsst.afw.math",
      catalogs: [
        {
          schema: CHEBYSHEV_BOUNDED_FIELD_SCHEMA,
          nrows: 1,
          values: [
            Int32Array.of(0),
            Int32Array.of(0),
            Int32Array.of(0),
            Int32Array.of(-1),
            Int32Array.of(-1),
            Float64Array.of(calib.calibrationMean),
          ],
        },
      ],
    });
  }
  objects.push({
    id,
    name: "PhotoCalib",
    module: "",
    catalogs: [
      {
        schema: PHOTO_CALIB_SCHEMA,
        nrows: 1,
        values: [
          Uint8Array.of(calib.isConstant ? 1 : 0),
          Float64Array.of(calib.calibrationMean),
          Float64Array.of(calib.calibrationErr),
          Int32Array.of(fieldId),
          Int32Array.of(PHOTO_CALIB_VERSION),
        ],
      },
    ],
  });
  return objects;
}
