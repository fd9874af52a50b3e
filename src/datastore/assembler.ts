/**
 * What happens around a formatter read: parameters are checked (names, then values) before any I/O,
 * split between the formatter (what it applies while reading) and the assembler (the rest, applied to
 * the object in memory), and a component the formatter cannot read directly is taken from the whole
 * object. The assembler of a storage class is named by its `delegate` (daf_butler's term), e.g.
 * `ExposureAssembler` for the pixel classes: a `bbox` on an Exposure read whole gives a cutout, and
 * `calexp.bbox` from a whole Exposure is its box.
 */
import type { StorageClass, StorageClassFactory } from "../core/index.ts";
import {
  InvalidArgumentError,
  InvalidParameterError,
  UnknownComponentError,
  UnknownParameterError,
} from "../errors/index.ts";
import { Exposure } from "../image/exposure.ts";
import { ARCHIVE_KEY_OF } from "../image/exposure-info.ts";
import { Image } from "../image/image.ts";
import { MaskedImage } from "../image/masked-image.ts";
import { cutoutBox, normalizePixelParameters } from "./parameters.ts";
import { tableAssembler } from "./table-assembler.ts";

/** Builds, splits and subsets the objects of the storage classes that name it as their delegate. */
export interface Assembler {
  readonly name: string;
  /** Checks parameter values (names are checked already) and returns them normalised, before any I/O. */
  normalizeParameters(
    storageClass: StorageClass,
    parameters: Readonly<Record<string, unknown>>,
  ): Record<string, unknown>;
  /** One component (stored or derived) of a whole object (or a promise of it, when it must be fetched). */
  getComponent(object: unknown, component: string, storageClass: StorageClass): unknown;
  /** The object with `parameters` applied (a cutout for `bbox`); unchanged when there are none. */
  handleParameters(
    object: unknown,
    parameters: Readonly<Record<string, unknown>>,
    storageClass: StorageClass,
  ): unknown;
}

const EXPOSURE_INFO_COMPONENTS: Readonly<Record<string, (e: Exposure) => unknown>> = {
  image: (e) => e.image,
  mask: (e) => e.mask,
  variance: (e) => e.variance,
  wcs: (e) => e.info.wcs,
  psf: (e) => e.info.psf,
  photoCalib: (e) => e.info.photoCalib,
  visitInfo: (e) => e.info.visitInfo,
  apCorrMap: (e) => e.info.apCorrMap,
  coaddInputs: (e) => e.info.coaddInputs,
  transmissionCurve: (e) => e.info.transmissionCurve,
  metadata: (e) => e.info.metadata,
  filter: (e) => e.info.filter,
  detector: (e) => e.info.detector,
  validPolygon: (e) => e.info.validPolygon,
  summaryStats: (e) => e.info.summaryStats,
  id: (e) => e.info.id,
};

/** The assembler of Exposure, MaskedImage, Image and Mask. */
export const exposureAssembler: Assembler = {
  name: "ExposureAssembler",

  normalizeParameters(_storageClass, parameters) {
    const { bbox, origin } = normalizePixelParameters(parameters);
    const out: Record<string, unknown> = {};
    if (bbox !== undefined) out.bbox = bbox;
    if (origin !== undefined) out.origin = origin;
    return out;
  },

  getComponent(object, component, storageClass) {
    if (!(object instanceof Exposure || object instanceof MaskedImage || object instanceof Image)) {
      throw new InvalidArgumentError(`ExposureAssembler cannot take components of a ${typeName(object)}`);
    }
    switch (component) {
      case "bbox":
        return object.bbox;
      case "dimensions":
        return object.bbox.dimensions;
      case "xy0":
        return object.bbox.minimum;
    }
    if (object instanceof Exposure) {
      const get = EXPOSURE_INFO_COMPONENTS[component];
      // An archived component of an Exposure read lazily is fetched first (the result is a promise).
      if (get !== undefined && ARCHIVE_KEY_OF[component] !== undefined && !object.info.loaded) {
        return object.info.load(component).then(() => get(object));
      }
      if (get !== undefined) return get(object);
    } else if (
      object instanceof MaskedImage &&
      (component === "image" || component === "mask" || component === "variance")
    ) {
      return object[component];
    }
    throw new UnknownComponentError(
      component,
      `a ${typeName(object)} (storage class ${storageClass.name})`,
      storageClass.allComponents(),
    );
  },

  handleParameters(object, parameters) {
    const { bbox, origin } = normalizePixelParameters(parameters);
    if (bbox === undefined) return object;
    if (!(object instanceof Exposure || object instanceof MaskedImage || object instanceof Image)) {
      throw new InvalidParameterError(
        "bbox",
        `a cutout needs an Exposure, MaskedImage, Image or Mask, not a ${typeName(object)}`,
      );
    }
    const parent = cutoutBox(bbox, origin ?? "PARENT", object.bbox);
    return parent.equals(object.bbox) ? object : object.subset(parent, "PARENT");
  },
};

/**
 * The assembler of storage classes without a delegate: components are properties, `Map` entries or
 * `getX()` methods; parameters have nobody to apply them.
 */
export const genericAssembler: Assembler = {
  name: "StorageClassDelegate",

  normalizeParameters(_storageClass, parameters) {
    return { ...parameters };
  },

  getComponent(object, component, storageClass) {
    if (object instanceof Map && object.has(component)) return object.get(component);
    if (object !== null && typeof object === "object") {
      if (component in object) {
        const value = (object as Record<string, unknown>)[component];
        return typeof value === "function" ? (value as () => unknown).call(object) : value;
      }
      const getter = `get${component[0]!.toUpperCase()}${component.slice(1)}`;
      const method = (object as Record<string, unknown>)[getter];
      if (typeof method === "function") return (method as () => unknown).call(object);
    }
    throw new UnknownComponentError(
      component,
      `a ${typeName(object)} (storage class ${storageClass.name})`,
      storageClass.allComponents(),
    );
  },

  handleParameters(object, parameters, storageClass) {
    const names = Object.keys(parameters);
    if (names.length === 0) return object;
    throw new InvalidParameterError(
      names[0]!,
      `storage class ${storageClass.name} declares it, but no assembler applies it (${storageClass.name} has no delegate that does)`,
    );
  },
};

const ASSEMBLERS = new Map<string, Assembler>([
  [exposureAssembler.name, exposureAssembler],
  // daf_butler's class path for the same delegate, as found in its storage class configs.
  ["lsst.obs.base.exposureAssembler.ExposureAssembler", exposureAssembler],
  [tableAssembler.name, tableAssembler],
  ["lsst.daf.butler.delegates.arrowtable.ArrowTableDelegate", tableAssembler],
]);

/** Registers an assembler under a delegate name (a storage class's `delegate`). */
export function registerAssembler(name: string, assembler: Assembler): void {
  ASSEMBLERS.set(name, assembler);
}

/** The assembler a storage class names, or the generic one. */
export function assemblerFor(storageClass: StorageClass): Assembler {
  return (
    (storageClass.delegate !== undefined ? ASSEMBLERS.get(storageClass.delegate) : undefined) ??
    genericAssembler
  );
}

function typeName(object: unknown): string {
  if (object === null) return "null";
  if (typeof object !== "object") return typeof object;
  return object.constructor?.name ?? "object";
}

/** A read checked before any I/O: the storage classes involved and the normalised parameters. */
export interface PreparedRead {
  /** The stored dataset's storage class (the composite for a component read). */
  storageClass: StorageClass;
  component?: string;
  /** The component's storage class, for a component read. */
  componentStorageClass?: StorageClass;
  /** Every parameter, checked and normalised. */
  parameters: Record<string, unknown>;
}

/**
 * Checks a read before any I/O: the component exists (else UnknownComponentError listing the valid
 * ones), every parameter name is one the storage class or its components take (else
 * UnknownParameterError listing them: the seed user's `{test: …}`), and every value is valid (else
 * InvalidParameterError naming what is expected: `{origin: "123"}`).
 */
export function prepareRead(
  factory: StorageClassFactory,
  storageClass: string | StorageClass,
  component?: string | null,
  parameters?: Readonly<Record<string, unknown>> | null,
): PreparedRead {
  const composite = typeof storageClass === "string" ? factory.get(storageClass) : storageClass;
  const prepared: PreparedRead = { storageClass: composite, parameters: {} };
  if (component !== undefined && component !== null) {
    prepared.component = component;
    prepared.componentStorageClass = factory.get(composite.componentStorageClass(component));
  }
  const given = Object.fromEntries(Object.entries(parameters ?? {}).filter(([, v]) => v !== undefined));
  composite.validateParameters(
    given,
    factory.has(composite.name) ? factory.knownParameters(composite.name) : composite.parameters,
  );
  const target = prepared.componentStorageClass;
  if (target !== undefined) {
    // A parameter the component does not take would be dropped unseen (origin on calexp.metadata).
    const accepted = [...target.parameters].sort();
    const ignored = Object.keys(given).filter((name) => !target.parameters.has(name));
    if (ignored.length > 0) {
      throw new UnknownParameterError(
        ignored,
        `${target.name} (component '${component}' of ${composite.name})`,
        accepted,
      );
    }
  }
  prepared.parameters = assemblerFor(composite).normalizeParameters(composite, given);
  return prepared;
}

/**
 * Splits checked parameters between the formatter and the assembler (for a component read,
 * `prepareRead` has refused any the component does not take); `direct` says whether the formatter
 * reads the target (the whole dataset, or the component) itself, so that it may apply the ones it knows.
 */
export function splitParameters(
  prepared: PreparedRead,
  formatterParameters: ReadonlySet<string>,
  direct: boolean,
): { formatter: Record<string, unknown>; assembler: Record<string, unknown> } {
  const formatter: Record<string, unknown> = {};
  const assembler: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(prepared.parameters)) {
    if (direct && formatterParameters.has(name)) formatter[name] = value;
    else assembler[name] = value;
  }
  return { formatter, assembler };
}

/** A component of a whole object, by the composite's assembler. */
export function extractComponent(prepared: PreparedRead, object: unknown): unknown {
  if (prepared.component === undefined) return object;
  return assemblerFor(prepared.storageClass).getComponent(object, prepared.component, prepared.storageClass);
}

/** Applies the parameters nobody applied while reading, with the target storage class's assembler. */
export function applyParameters(
  prepared: PreparedRead,
  object: unknown,
  parameters: Readonly<Record<string, unknown>>,
): unknown {
  if (Object.keys(parameters).length === 0) return object;
  const target = prepared.componentStorageClass ?? prepared.storageClass;
  return assemblerFor(target).handleParameters(object, parameters, target);
}
