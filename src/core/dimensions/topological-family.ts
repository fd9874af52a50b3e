import type { DimensionGroup } from "./dimension-group.ts";

export type TopologicalSpace = "spatial" | "temporal";

/**
 * Elements whose regions (or timespans) describe the same thing at different granularity, such as
 * `observation_regions: [visit_detector_region, visit]`. Each skypix system is a spatial family too.
 * A group with several members of one family uses only the finest of them for its region or timespan.
 */
export class TopologicalFamily {
  readonly name: string;
  readonly space: TopologicalSpace;
  /** Member element names, finest first (for a skypix system: highest level first). */
  readonly members: readonly string[];
  /** The skypix system name when this family is one, else null. */
  readonly skypixSystem: string | null;

  constructor(
    name: string,
    space: TopologicalSpace,
    members: readonly string[],
    skypixSystem: string | null = null,
  ) {
    this.name = name;
    this.space = space;
    this.members = Object.freeze([...members]);
    this.skypixSystem = skypixSystem;
  }

  /** The finest member present in the group's elements, or null when none is. */
  choose(group: DimensionGroup): string | null {
    for (const member of this.members) {
      if (group.hasElement(member)) return member;
    }
    return null;
  }

  toString(): string {
    return this.name;
  }
}
