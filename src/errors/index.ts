/** Every error of the butler, by layer; import errors from here. */
export * from "./base.ts";
export * from "./butler.ts";
export * from "./bytes.ts";
export * from "./cli.ts";
export * from "./core.ts";
export * from "./datastore.ts";
export * from "./fits.ts";
export * from "./image.ts";
export * from "./registry.ts";
export * from "./server.ts";
export * from "./sphgeom.ts";
export * from "./table.ts";
export * from "./time.ts";
