import { isButlerError } from "../errors/index.ts";
import { allAborted, raceAbort } from "./abort.ts";
import type { ByteRange, ByteSource, ReadOptions } from "./byte-source.ts";
import { checkLength, checkRange } from "./check-range.ts";
import {
  type CoalescedGroup,
  type CoalesceOptions,
  coalesceRanges,
  resolveCoalesceOptions,
} from "./coalesce-ranges.ts";
import { invoke } from "./invoke.ts";

/** What one flush of the queue did. */
export interface FlushReport {
  /** Caller reads flushed (callers that aborted while queued are not counted). */
  requestsIn: number;
  /** Requests made to the underlying source. */
  requestsOut: number;
  /** Bytes the callers asked for. */
  bytesRequested: number;
  /** Bytes asked of the underlying source: more than `bytesRequested` when gaps were bridged. */
  bytesFetched: number;
  /** The underlying requests, in offset order. */
  ranges: ByteRange[];
}

export interface CoalescingOptions extends CoalesceOptions {
  /**
   * How long reads are collected before a flush. `"microtask"` (default) catches the reads issued in
   * one synchronous burst (a `Promise.all` over a plan) at no latency cost; `"immediate"` waits for a
   * `setImmediate`, catching reads issued after further awaits at the cost of one event-loop turn.
   */
  window?: "microtask" | "immediate";
  onFlush?: (report: FlushReport) => void;
}

interface Pending {
  offset: number;
  length: number;
  /** Set for `readInto` callers: the bytes go here and the promise resolves with nothing. */
  target: Uint8Array | undefined;
  signal: AbortSignal | undefined;
  resolve: (bytes: Uint8Array | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Aborts: each caller's promise rejects as soon as its own signal aborts, whatever the others do.
 * The merged underlying read is aborted only when every caller it serves has aborted (and never if
 * one of them passed no signal), so one caller giving up cannot break the others.
 *
 * Bytes: a caller gets a view into the merged buffer unless its range overlaps another caller's in the
 * same group; then it gets a copy, so in-place decoding by one cannot corrupt the other.
 */
class CoalescingSource implements ByteSource {
  readonly #source: ByteSource;
  readonly #options: Required<CoalesceOptions>;
  readonly #window: "microtask" | "immediate";
  readonly #onFlush: ((report: FlushReport) => void) | undefined;
  #queue: Pending[] = [];

  constructor(source: ByteSource, options: CoalescingOptions) {
    this.#source = source;
    this.#options = resolveCoalesceOptions(options);
    this.#window = options.window ?? "microtask";
    this.#onFlush = options.onFlush;
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    return this.#source.size();
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const bytes = await this.#enqueue(offset, length, undefined, options?.signal);
    return bytes!;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#enqueue(offset, target.byteLength, target, options?.signal);
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  #enqueue(
    offset: number,
    length: number,
    target: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array | undefined> {
    signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    // Nothing to merge for an empty read; the source still checks it against the size.
    if (length === 0) return this.#source.read(offset, 0, { signal });
    const queued = new Promise<Uint8Array | undefined>((resolve, reject) => {
      this.#queue.push({ offset, length, target, signal, resolve, reject });
    });
    if (this.#queue.length === 1) {
      if (this.#window === "microtask") queueMicrotask(() => this.#flush());
      else setImmediate(() => this.#flush());
    }
    return raceAbort(queued, signal);
  }

  #flush(): void {
    // Callers that gave up while queued have already been rejected by raceAbort.
    const batch = this.#queue.filter((p) => p.signal?.aborted !== true);
    this.#queue = [];
    const groups = coalesceRanges(batch, this.#options);
    for (const group of groups) {
      this.#fetchGroup(
        group,
        group.members.map((i) => batch[i]!),
      );
    }
    if (this.#onFlush !== undefined) {
      let bytesRequested = 0;
      for (const p of batch) bytesRequested += p.length;
      let bytesFetched = 0;
      for (const g of groups) bytesFetched += g.length;
      this.#onFlush({
        requestsIn: batch.length,
        requestsOut: groups.length,
        bytesRequested,
        bytesFetched,
        ranges: groups.map((g) => ({ offset: g.offset, length: g.length })),
      });
    }
  }

  #fetchGroup(group: CoalescedGroup, members: Pending[]): void {
    const shared = allAborted(members.map((p) => p.signal));
    const only = members.length === 1 ? members[0]! : undefined;
    // A lone readInto caller keeps its zero-copy path all the way down.
    if (only?.target !== undefined && this.#source.readInto !== undefined) {
      const { readInto } = this.#source;
      const target = only.target;
      invoke(() => readInto.call(this.#source, only.offset, target, { signal: shared.signal }))
        .then(() => only.resolve(undefined), only.reject)
        .finally(shared.dispose);
      return;
    }
    invoke(() => this.#source.read(group.offset, group.length, { signal: shared.signal }))
      .then((bytes) => {
        checkLength(this.key, group.offset, group.length, bytes);
        deliver(group, members, bytes);
      })
      .catch((err: unknown) => {
        // One caller's bad range (past the end) must not fail its neighbours: retry each on its own.
        if (members.length > 1 && isButlerError(err, "BYTE_RANGE")) {
          for (const p of members)
            this.#fetchGroup({ offset: p.offset, length: p.length, members: [0] }, [p]);
        } else {
          for (const p of members) p.reject(err);
        }
      })
      .finally(shared.dispose);
  }
}

/** Hands each caller its slice of the group's bytes. `members` are in ascending offset order. */
function deliver(group: CoalescedGroup, members: Pending[], bytes: Uint8Array): void {
  let maxEndBefore = -1;
  for (let k = 0; k < members.length; k++) {
    const p = members[k]!;
    const start = p.offset - group.offset;
    const end = p.offset + p.length;
    const slice = bytes.subarray(start, start + p.length);
    if (p.target !== undefined) {
      p.target.set(slice);
      p.resolve(undefined);
    } else if (members.length === 1) {
      p.resolve(bytes);
    } else {
      const next = members[k + 1];
      const overlaps = maxEndBefore > p.offset || (next !== undefined && next.offset < end);
      p.resolve(overlaps ? slice.slice() : slice);
    }
    maxEndBefore = Math.max(maxEndBefore, end);
  }
}

/**
 * Wraps `source` so reads issued in the same window are merged into fewer, larger reads (see
 * `coalesceRanges` for the rule); each caller still gets exactly its own bytes.
 */
export function withCoalescing(source: ByteSource, options: CoalescingOptions = {}): ByteSource {
  return new CoalescingSource(source, options);
}
