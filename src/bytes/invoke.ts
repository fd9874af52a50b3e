/**
 * Runs `fn`, turning a synchronous throw into a rejection: wrappers that start several reads in one
 * loop must not let one misbehaving source stop the loop.
 */
export function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
