/**
 * Counts the streaming queries running now, per user and in this process, so one user cannot take a
 * replica and a replica does not take more than its database can answer.
 */
export type SlotRefusal = "user" | "process";

export class StreamSlots {
  readonly #perUser: number;
  readonly #perProcess: number;
  readonly #byUser = new Map<string, number>();
  #total = 0;

  constructor(perUser: number, perProcess: number) {
    this.#perUser = perUser;
    this.#perProcess = perProcess;
  }

  get running(): number {
    return this.#total;
  }

  /** Takes a slot for `user`: a release function (safe to call twice), or why there is none. */
  acquire(user: string): { release: () => void } | { refused: SlotRefusal } {
    const mine = this.#byUser.get(user) ?? 0;
    if (mine >= this.#perUser) return { refused: "user" };
    if (this.#total >= this.#perProcess) return { refused: "process" };
    this.#byUser.set(user, mine + 1);
    this.#total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#byUser.get(user) ?? 1) - 1;
        if (left === 0) this.#byUser.delete(user);
        else this.#byUser.set(user, left);
      },
    };
  }
}
