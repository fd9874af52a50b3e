/**
 * A dataset found now and read later (daf_butler's DeferredDatasetHandle): the registry lookup and
 * the parameter checks happen when the handle is made; `get` does the I/O, with parameters given
 * then merged over the ones given at first. A handle of a remote butler reads through the server as
 * that butler's `get` does.
 */
import type { DataCoordinate, DatasetRef } from "../core/index.ts";
import type { ButlerApi } from "./butler-api.ts";

export interface DeferredGetOptions {
  /** A component to read instead of the whole dataset (`wcs`, `metadata`). */
  component?: string;
  parameters?: Readonly<Record<string, unknown>>;
  storageClass?: string;
}

export class DeferredDatasetHandle<T = unknown> {
  readonly butler: ButlerApi;
  /** The resolved ref (a component ref when a component was asked for). */
  readonly ref: DatasetRef;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly storageClass: string | undefined;

  constructor(
    butler: ButlerApi,
    ref: DatasetRef,
    parameters: Readonly<Record<string, unknown>> = {},
    storageClass?: string,
  ) {
    this.butler = butler;
    this.ref = ref;
    this.parameters = parameters;
    this.storageClass = storageClass;
  }

  get dataId(): DataCoordinate {
    return this.ref.dataId;
  }

  /** Reads the dataset (or a component of it); call-time parameters override those given at first. */
  get<R = T>(options: DeferredGetOptions = {}): Promise<R> {
    const ref =
      options.component === undefined ? this.ref : this.butler.componentRef(this.ref, options.component);
    const storageClass = options.storageClass ?? this.storageClass;
    return this.butler.get<R>(ref, null, {
      parameters: { ...this.parameters, ...(options.parameters ?? {}) },
      ...(storageClass === undefined ? {} : { storageClass }),
    });
  }
}
