import { InvalidArgumentError } from "../errors/index.ts";
import type { ByteRange } from "./byte-source.ts";

export interface CoalesceOptions {
  /** Merge a range into the group when it starts at most this many bytes after the group's end. */
  gapBytes?: number;
  /** Never grow a group past this many bytes; a single larger range still makes one group of its own. */
  maxRequestBytes?: number;
}

/** One request that serves several input ranges. */
export interface CoalescedGroup extends ByteRange {
  /** Indices into the input array of the ranges this group serves, in ascending offset order. */
  members: number[];
}

export const DEFAULT_GAP_BYTES = 32 * 1024;
export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * The pure planning half of coalescing: sorts `ranges` by offset and merges each into the current
 * group while it starts within `gapBytes` of the group's end and the group stays within
 * `maxRequestBytes`. Overlapping ranges merge too. Planners call it before any I/O; tests assert on it.
 */
export function coalesceRanges(
  ranges: readonly ByteRange[],
  options: CoalesceOptions = {},
): CoalescedGroup[] {
  const { gapBytes, maxRequestBytes } = resolveCoalesceOptions(options);
  const order = ranges.map((_, i) => i);
  order.sort((a, b) => ranges[a]!.offset - ranges[b]!.offset || ranges[a]!.length - ranges[b]!.length);
  const groups: CoalescedGroup[] = [];
  let current: CoalescedGroup | undefined;
  for (const i of order) {
    const { offset, length } = ranges[i]!;
    const end = offset + length;
    if (current !== undefined) {
      const currentEnd = current.offset + current.length;
      const mergedEnd = Math.max(currentEnd, end);
      if (offset - currentEnd <= gapBytes && mergedEnd - current.offset <= maxRequestBytes) {
        current.length = mergedEnd - current.offset;
        current.members.push(i);
        continue;
      }
    }
    current = { offset, length, members: [i] };
    groups.push(current);
  }
  return groups;
}

/** Fills in defaults and rejects options that would make coalescing meaningless. */
function resolveCoalesceOptions(options: CoalesceOptions): Required<CoalesceOptions> {
  const gapBytes = options.gapBytes ?? DEFAULT_GAP_BYTES;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (!Number.isSafeInteger(gapBytes) || gapBytes < 0) {
    throw new InvalidArgumentError(`gapBytes must be a non-negative integer, got ${gapBytes}`);
  }
  if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes <= 0) {
    throw new InvalidArgumentError(`maxRequestBytes must be a positive integer, got ${maxRequestBytes}`);
  }
  return { gapBytes, maxRequestBytes };
}
