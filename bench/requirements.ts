/**
 * What a benchmark's baseline needs from Debian, checked before it starts: a missing piece is one line
 * naming the packages to install, not a Python traceback halfway through the run.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Requirement {
  /** The Debian package that provides it. */
  readonly debian: string;
  /** Whether it is there. */
  readonly present: () => boolean;
}

const PYTHON = "/usr/bin/python3";

/** A Python module importable by Debian's python3. */
export function pythonModule(module: string, debian: string): Requirement {
  return {
    debian,
    present: () => spawnSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0,
  };
}

/** A program at a fixed path. */
export function program(path: string, debian: string): Requirement {
  return { debian, present: () => existsSync(path) };
}

export const ASTROPY = pythonModule("astropy.io.fits", "python3-astropy");
export const FSSPEC = pythonModule("fsspec", "python3-fsspec");
export const AIOHTTP = pythonModule("aiohttp", "python3-aiohttp");
export const FPACK = program("/usr/bin/fpack", "libcfitsio-bin");
export const NGINX = program("/usr/sbin/nginx", "nginx");
export const NGINX_DAV = program(
  "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so",
  "libnginx-mod-http-dav-ext",
);

/** Exits with one line on stderr when any requirement is missing. */
export function requireDebianPackages(bench: string, requirements: readonly Requirement[]): void {
  const missing = [...new Set(requirements.filter((r) => !r.present()).map((r) => r.debian))];
  if (missing.length === 0) return;
  process.stderr.write(
    `${bench}: its baseline needs Debian packages that are not installed: ${missing.join(" ")}; ` +
      `install them with: apt-get install -y ${missing.join(" ")}\n`,
  );
  process.exit(1);
}
