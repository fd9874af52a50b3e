/** What a principal may do in a repository: read and write groups, `*` for any authenticated user. */
import type { Principal, RepositoryAccess, RouteAccess } from "./types.ts";

export const ANY_USER = "*";

function inGroups(principal: Principal, groups: readonly string[]): boolean {
  return groups.some((g) => g === ANY_USER || principal.groups.includes(g));
}

export function mayWrite(principal: Principal, access: RepositoryAccess): boolean {
  return inGroups(principal, access.writeGroups ?? []);
}

export function mayRead(principal: Principal, access: RepositoryAccess): boolean {
  return inGroups(principal, access.readGroups ?? [ANY_USER]) || mayWrite(principal, access);
}

/** Why `principal` may not do what `required` needs in `repository`, or undefined when it may. */
export function refusal(
  principal: Principal,
  access: RepositoryAccess,
  required: RouteAccess,
  repository: string,
): string | undefined {
  if (required === "public") return undefined;
  if (required === "read" && mayRead(principal, access)) return undefined;
  if (required === "write" && mayWrite(principal, access)) return undefined;
  const groups = (required === "write" ? access.writeGroups : access.readGroups) ?? [];
  const allowed =
    required === "write" && groups.length === 0
      ? "this repository takes no writes"
      : `${required} needs membership of ${groups.join(", ")}`;
  return `user '${principal.user}' may not ${required} repository '${repository}': ${allowed}`;
}
