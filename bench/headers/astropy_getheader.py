#!/usr/bin/python3
"""Baseline side of `npm run bench:headers`: astropy's getheader over files, the way a header scan
without an index reads them. Run with Debian's /usr/bin/python3 (astropy 5.2.1).

  astropy_getheader.py KEY1,KEY2,...     reads a JSON list of paths on stdin, prints {"ms": ..., "files": n}

Each file: fits.getheader(path) (the primary header), then the keys looked up; timed with
time.perf_counter over the whole list, the garbage collector collected before and disabled during.
"""
import gc
import json
import sys
import time
import warnings

from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

warnings.simplefilter("ignore", AstropyWarning)


def main() -> None:
    keys = sys.argv[1].split(",")
    paths = json.load(sys.stdin)
    found = 0
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    for path in paths:
        header = fits.getheader(path)
        found += sum(1 for k in keys if header.get(k) is not None)
    ms = (time.perf_counter() - started) * 1000
    gc.enable()
    print(json.dumps({"ms": ms, "files": len(paths), "values": found}))


main()
