/**
 * A storage class says what a dataset is made of: its components (stored parts such as an exposure's
 * `image` or `metadata`), derived components (computed from the stored dataset, such as `bbox`), and the
 * parameters a read may take (`bbox`, `columns`). Inheritance has been resolved by the factory, so every
 * field here is complete.
 */
import { UnknownComponentError, UnknownParameterError } from "../../errors/index.ts";

export interface StorageClassSpec {
  name: string;
  /** The type this storage class holds, as configured (informational: a Python type in daf_butler's files). */
  pytype?: string;
  /** Names of the storage classes this one inherits from, nearest first. */
  ancestors: readonly string[];
  components: ReadonlyMap<string, string>;
  derivedComponents: ReadonlyMap<string, string>;
  parameters: ReadonlySet<string>;
  /** The assembler (daf_butler's "delegate") that builds, splits and subsets objects of this class. */
  delegate?: string;
  /** The Python type daf_butler stores under this name, for users coming from it. */
  pythonType?: string;
  /** What the class holds, in a sentence or two (documentation only). */
  doc?: string;
  /** What each component is: component name → text (documentation only, inherited). */
  componentDocs?: ReadonlyMap<string, string>;
  /** What each parameter does: parameter name → text (documentation only, inherited). */
  parameterDocs?: ReadonlyMap<string, string>;
}

export class StorageClass {
  readonly name: string;
  readonly pytype: string | undefined;
  readonly ancestors: readonly string[];
  /** Stored components: name → storage class name. */
  readonly components: ReadonlyMap<string, string>;
  /** Components computed from the dataset: name → storage class name. */
  readonly derivedComponents: ReadonlyMap<string, string>;
  /** Parameters of this class itself (see `knownParameters` for those of its components too). */
  readonly parameters: ReadonlySet<string>;
  readonly delegate: string | undefined;
  readonly pythonType: string | undefined;
  readonly doc: string | undefined;
  readonly componentDocs: ReadonlyMap<string, string>;
  readonly parameterDocs: ReadonlyMap<string, string>;

  constructor(spec: StorageClassSpec) {
    this.name = spec.name;
    this.pytype = spec.pytype;
    this.ancestors = spec.ancestors;
    this.components = spec.components;
    this.derivedComponents = spec.derivedComponents;
    this.parameters = spec.parameters;
    this.delegate = spec.delegate;
    this.pythonType = spec.pythonType;
    this.doc = spec.doc;
    this.componentDocs = spec.componentDocs ?? new Map();
    this.parameterDocs = spec.parameterDocs ?? new Map();
  }

  /** A composite has stored components and can be read (or written) part by part. */
  isComposite(): boolean {
    return this.components.size > 0;
  }

  /** Every component name, stored and derived, sorted. */
  allComponents(): string[] {
    return [...this.components.keys(), ...this.derivedComponents.keys()].sort();
  }

  /** The storage class name of a component; an unknown one is an error that lists the valid ones. */
  componentStorageClass(component: string): string {
    const name = this.components.get(component) ?? this.derivedComponents.get(component);
    if (name === undefined)
      throw new UnknownComponentError(component, `storage class ${this.name}`, this.allComponents());
    return name;
  }

  hasComponent(component: string): boolean {
    return this.components.has(component) || this.derivedComponents.has(component);
  }

  /** Whether this class is `other` or inherits from it. */
  isA(other: string): boolean {
    return this.name === other || this.ancestors.includes(other);
  }

  /**
   * Checks that every key of `parameters` is one this class takes; an unknown one is an
   * `UnknownParameterError` naming it and the accepted ones (the seed user's `parameters={"test": …}`).
   */
  validateParameters(
    parameters: Readonly<Record<string, unknown>> | undefined,
    known = this.parameters,
  ): void {
    if (parameters === undefined) return;
    const unknown = Object.keys(parameters).filter((p) => !known.has(p));
    if (unknown.length > 0) throw new UnknownParameterError(unknown, this.name, [...known].sort());
  }

  toString(): string {
    return `StorageClass(${this.name})`;
  }
}
