/**
 * Which file template names each dataset's file: daf_butler's lookup rules over a `templates` config
 * (dataset type, dimensions `a+b+c`, storage class, `default`, `instrument<NAME>` sections), with
 * daf_butler's default template and the shorter one it uses for raws.
 */
import {
  type DatasetRef,
  defaultStorageClasses,
  type StorageClass,
  type StorageClassFactory,
} from "../core/index.ts";
import { FormatterLookupError } from "../errors/index.ts";
import { FileTemplate, type TemplateInput } from "./file-template.ts";
import { LookupTable, lookupSubject } from "./lookup.ts";

/** daf_butler's default template (§4.3 of the research notes): every optional dimension in turn. */
export const DEFAULT_TEMPLATE =
  "{run:/}/{datasetType}.{component:?}/{tract:?}/{patch:?}/{day_obs|visit.day_obs|exposure.day_obs:?}/{band:?}/" +
  "{subfilter:?}/{physical_filter:?}/{visit:?}/{exposure.obs_id|group:?}/{datasetType}_{component:?}_{instrument:?}_" +
  "{tract:?}_{patch:?}_{band:?}_{physical_filter:?}_{visit:?}_{exposure.obs_id|group:?}_{detector.full_name:?}_" +
  "{skymap:?}_{skypix:?}_{ssp_hypothesis_table:?}_{ssp_hypothesis_bundle:?}_{ssp_balanced_index:?}_{run}";

/** The template for raws (`physical_filter+detector+exposure`): day, filter and observation, no band. */
export const RAW_TEMPLATE =
  "{run:/}/{datasetType}.{component:?}/{day_obs|exposure.day_obs:?}/{physical_filter:?}/{exposure.obs_id|group:?}/" +
  "{datasetType}_{component:?}_{instrument:?}_{physical_filter:?}_{exposure.obs_id|group:?}_{detector.full_name:?}_{run}";

export const DEFAULT_TEMPLATES: Readonly<Record<string, string>> = {
  default: DEFAULT_TEMPLATE,
  "physical_filter+detector+exposure": RAW_TEMPLATE,
};

/** Lookup key → template string, or an `instrument<NAME>` section of such entries. */
export type TemplatesConfig = Readonly<Record<string, string | Readonly<Record<string, string>>>>;

function isTemplate(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** What a template needs from a ref: names, run, ID, data ID values and (when expanded) its records. */
export function templateInput(ref: DatasetRef): TemplateInput {
  const [datasetType, component] = ref.datasetType.nameAndComponent();
  const dataId = ref.dataId;
  const input: TemplateInput = {
    datasetType,
    run: ref.run,
    id: ref.id,
    dataId: dataId.toObject(),
  };
  if (component !== null) input.component = component;
  if (dataId.hasRecords()) {
    input.records = Object.fromEntries(
      dataId.dimensions.elements.map((e) => [
        e,
        (dataId.record(e) ?? undefined) as Record<string, unknown> | undefined,
      ]),
    );
  }
  return input;
}

export class FileTemplates {
  readonly #table: LookupTable<string>;
  readonly #compiled = new Map<string, FileTemplate>();

  readonly #storageClasses: StorageClassFactory;

  /**
   * `config` is merged over `DEFAULT_TEMPLATES` unless `defaults` is false. Every template is checked
   * now. `storageClasses` resolves inherited storage classes for lookups (default: ours).
   */
  constructor(
    config: TemplatesConfig = {},
    options: { defaults?: boolean; storageClasses?: StorageClassFactory } = {},
  ) {
    this.#storageClasses = options.storageClasses ?? defaultStorageClasses();
    const merged = { ...((options.defaults ?? true) ? DEFAULT_TEMPLATES : {}), ...config };
    this.#table = new LookupTable(merged, isTemplate, "templates");
    const check = (entries: Readonly<Record<string, unknown>>) => {
      for (const value of Object.values(entries)) {
        if (typeof value === "string") this.#compile(value);
        else if (value !== null && typeof value === "object") check(value as Record<string, unknown>);
      }
    };
    check(merged);
  }

  #compile(text: string): FileTemplate {
    let template = this.#compiled.get(text);
    if (template === undefined) {
      template = new FileTemplate(text);
      this.#compiled.set(text, template);
    }
    return template;
  }

  /** The template for a ref and the key that chose it. */
  lookup(ref: DatasetRef, storageClass?: StorageClass): { key: string; template: FileTemplate } {
    const name = ref.datasetType.storageClass;
    const resolved =
      storageClass ?? (this.#storageClasses.has(name) ? this.#storageClasses.get(name) : undefined);
    const match = this.#table.lookup(lookupSubject(ref.datasetType, resolved, ref.dataId.get("instrument")));
    if (match === undefined) {
      throw new FormatterLookupError(
        `no file template matches dataset type ${ref.datasetType.name}; add one (or 'default') to the templates config`,
      );
    }
    return { key: match.key, template: this.#compile(match.value) };
  }

  /** The path (relative to the root, without extension) of a ref's file. */
  pathFor(ref: DatasetRef, storageClass?: StorageClass): string {
    return this.lookup(ref, storageClass).template.format(templateInput(ref));
  }
}
