/**
 * Independent readers that check what we write: HEASARC's fitsverify and astropy (Debian's
 * python3-astropy, run with /usr/bin/python3). `.ci/run` installs both; a test that needs one and
 * finds it missing is skipped with the reason, never passed silently.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's Python, where python3-astropy lives; `BUTLER_TEST_PYTHON` names another with astropy. */
export const PYTHON = process.env.BUTLER_TEST_PYTHON ?? "/usr/bin/python3";

let astropyChecked: boolean | undefined;

export function hasAstropy(): boolean {
  astropyChecked ??=
    existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import astropy, numpy"], { cwd: tmpdir() }).status === 0;
  return astropyChecked;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, command);
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function fitsverifyPath(): string | undefined {
  return onPath("fitsverify");
}

/** Runs `fitsverify -e -q` (errors only) and returns its exit status and report line. */
export function fitsverify(file: string): { status: number | null; output: string } {
  const run = spawnSync(fitsverifyPath()!, ["-e", "-q", file], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Runs a Python snippet with astropy and parses the JSON it prints on its last line. */
export function runAstropy<T>(script: string, args: string[] = []): T {
  // cwd is a temp dir so no stray module in the project can shadow the standard library.
  const run = spawnSync(PYTHON, ["-c", script, ...args], {
    encoding: "utf8",
    cwd: tmpdir(),
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`astropy script failed (${run.status}): ${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Per HDU: kind, decoded dtype, shape, sha256 of the big-endian decoded data, and header values. */
export const ASTROPY_DESCRIBE = `
import hashlib, json, sys, warnings
import numpy as np
from astropy.io import fits
warnings.simplefilter("ignore")
out = []
with fits.open(sys.argv[1], checksum=True) as hdul:
    for hdu in hdul:
        e = {"name": hdu.name, "type": type(hdu).__name__}
        if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)) and hdu.data is not None:
            a = np.asarray(hdu.data)
            e["dtype"] = a.dtype.str.lstrip("<>=|")
            e["shape"] = list(a.shape)
            e["sha256"] = hashlib.sha256(np.ascontiguousarray(a.astype(a.dtype.newbyteorder(">"))).tobytes()).hexdigest()
        e["cards"] = {k: (v if isinstance(v, (bool, int, float, str)) else repr(v)) for k, v in hdu.header.items() if k not in ("COMMENT", "HISTORY", "")}
        out.append(e)
print(json.dumps(out))
`;

export function funpackPath(): string | undefined {
  return onPath("funpack");
}

/** Decompresses a tile-compressed file with CFITSIO's funpack into `output`. */
export function funpack(input: string, output: string): void {
  const run = spawnSync(funpackPath()!, ["-O", output, input], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`funpack failed on ${input}: ${run.stdout}${run.stderr}`);
}
