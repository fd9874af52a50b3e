/**
 * Counts in a parsed request body that the server caps: dataset ids (`dataset_ids`, anywhere in the
 * body) and uploaded rows (`data_ids`, `rows`, and each list bound in `bind`). The routes need not
 * check them; a body over a cap never reaches them.
 */
import { RequestTooLargeError } from "../../errors/index.ts";

const ID_KEYS = new Set(["dataset_ids"]);
const ROW_KEYS = new Set(["data_ids", "rows"]);
/** Deep enough for every body the API takes; deeper structures are not searched. */
const MAX_DEPTH = 4;

/** The first cap the body exceeds, as the error the client gets; undefined when it is within them. */
export function oversizedPart(
  body: unknown,
  limits: { maxIds: number; maxUploadRows: number },
): RequestTooLargeError | undefined {
  return visit(body, "", limits, 0);
}

function visit(
  value: unknown,
  path: string,
  limits: { maxIds: number; maxUploadRows: number },
  depth: number,
): RequestTooLargeError | undefined {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object" || Array.isArray(value))
    return undefined;
  for (const [key, child] of Object.entries(value)) {
    const where = path === "" ? key : `${path}.${key}`;
    if (Array.isArray(child)) {
      if (ID_KEYS.has(key) && child.length > limits.maxIds) {
        return new RequestTooLargeError(`${where} (dataset ids)`, child.length, limits.maxIds);
      }
      if ((ROW_KEYS.has(key) || path === "bind") && child.length > limits.maxUploadRows) {
        return new RequestTooLargeError(`${where} (uploaded rows)`, child.length, limits.maxUploadRows);
      }
    } else {
      const found = visit(child, where, limits, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
