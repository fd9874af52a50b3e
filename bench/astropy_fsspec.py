"""The baseline of `npm run bench:remote`: astropy reading a FITS file over HTTP through fsspec.

Reads one JSON object from stdin: {"url", "op": "header" | "cutout", "hdu", "box": [x0, y0, w, h],
"blockSize" (null for fsspec's default), "repeat"}. Runs one untimed warm-up, then `repeat` timed
calls, each a complete fits.open -> read -> close, and prints {"ms": [...], "shape": [...]}.

header: `hdul[0].header` (fits.open parses only the first HDU; lazy loading is the default).
cutout: astropy 5.2 has no `.section` for a CompImageHDU, so a cutout of a tile-compressed image is
`hdul[hdu].data[y0:y1, x0:x1]`: astropy reads and decompresses the whole image, then slices it. For
an uncompressed image HDU, `.section[y0:y1, x0:x1]` reads only the rows under the box.
"""
import json
import sys
import time
import warnings

from astropy.io import fits

warnings.simplefilter("ignore")
args = json.load(sys.stdin)
kwargs = {} if args["blockSize"] is None else {"block_size": args["blockSize"]}
x0, y0, w, h = args["box"]


def once():
    with fits.open(args["url"], use_fsspec=True, fsspec_kwargs=kwargs) as hdul:
        if args["op"] == "header":
            return [len(hdul[0].header)]
        hdu = hdul[args["hdu"]]
        if isinstance(hdu, fits.CompImageHDU):
            cut = hdu.data[y0 : y0 + h, x0 : x0 + w]
        else:
            cut = hdu.section[y0 : y0 + h, x0 : x0 + w]
        return list(cut.shape)


shape = once()
ms = []
for _ in range(args["repeat"]):
    t = time.perf_counter()
    once()
    ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": ms, "shape": shape}))
