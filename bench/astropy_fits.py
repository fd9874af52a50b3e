#!/usr/bin/python3
"""Baseline side of `npm run bench:fits`: data generation and astropy / cat timings.

Run with Debian's /usr/bin/python3 (astropy 5.2.1 + numpy); the pyenv python3 on PATH has neither.

  astropy_fits.py gen OUTDIR          write the generated inputs, print their paths as JSON
  astropy_fits.py serve SPEC.json     answer timing requests, one JSON line in, one JSON line out
  astropy_fits.py memory FILE HDU     one full read in a fresh process, print peak-RSS JSON

`serve` lets the TypeScript side interleave the two implementations call by call (ours, astropy, ours,
...), so drift on this shared 2-core machine hits both alike. Each request {"op": NAME} runs one
complete open -> read -> close, timed with time.perf_counter as timeit does it: the garbage collector is
collected before and disabled during the call. The reply is {"ms": milliseconds}. The TypeScript side
sends one untimed warm-up call per operation and computes the medians / minima for both sides.
"""
import gc
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

warnings.simplefilter("ignore", AstropyWarning)
warnings.simplefilter("ignore", UserWarning)

SMALL_FILES = 1000
SMALL_SIZE = 64            # small files: 300-card primary header + 64x64 float32 image
BIG = 4096                 # full read / cutout: 4096x4096 float32 (64 MiB) in an IMAGE extension
COMP = 2048                # compressed images: 2048x2048, row tiles (fpack's default tiling)


# ---------------------------------------------------------------- data generation
def wcs_cards(w, h, rng):
    c = [("WCSAXES", 2, "Number of WCS axes"),
         ("CTYPE1", "RA---TAN-SIP", "Projection"), ("CTYPE2", "DEC--TAN-SIP", "Projection"),
         ("CUNIT1", "deg", ""), ("CUNIT2", "deg", ""),
         ("CRPIX1", w / 2 + 0.5 + rng.normal(0, 3), "Reference pixel"),
         ("CRPIX2", h / 2 + 0.5 + rng.normal(0, 3), "Reference pixel"),
         ("CRVAL1", 150.1 + rng.normal(0, 0.5), "[deg] RA at reference"),
         ("CRVAL2", 2.2 + rng.normal(0, 0.5), "[deg] Dec at reference"),
         ("CD1_1", -5.5555e-5 + rng.normal(0, 1e-8), "Linear transform"),
         ("CD1_2", rng.normal(0, 1e-7), "Linear transform"),
         ("CD2_1", rng.normal(0, 1e-7), "Linear transform"),
         ("CD2_2", 5.5555e-5 + rng.normal(0, 1e-8), "Linear transform"),
         ("RADESYS", "ICRS", ""), ("EQUINOX", 2000.0, "")]
    for pfx in ("A", "B", "AP", "BP"):
        c.append((f"{pfx}_ORDER", 4, "SIP polynomial order"))
        for i in range(5):
            for j in range(5 - i):
                if pfx in ("A", "B") and i + j < 2:
                    continue
                c.append((f"{pfx}_{i}_{j}", float(rng.normal(0, 10.0 ** -(3 + 2 * (i + j)))), ""))
    return c


def calexp_primary_header(w, h, idx, rng):
    """About 300 cards as an LSST calexp primary carries them: observation keys, a TAN-SIP WCS,
    HIERARCH provenance and statistics, COMMENT and HISTORY (same mix as shared/anchors/gen_data.py)."""
    hdr = fits.Header()
    t0 = 60200.0 + idx * 0.00045
    cards = [
        ("ORIGIN", "LSST DM Header Service", "FITS file originator"),
        ("DATE", "2024-05-01T03:04:05.678", "Creation Date and Time of File"),
        ("INSTRUME", "LSSTCam", "Instrument"), ("TELESCOP", "Rubin:Simonyi", "Telescope"),
        ("DAYOBS", "20240501", ""), ("SEQNUM", 1000 + idx, ""),
        ("IMGTYPE", "OBJECT", "BIAS, DARK, FLAT, OBJECT"), ("OBSID", f"MC_O_20240501_{idx:06d}", ""),
        ("OBSANNOT", "", ""), ("PROGRAM", "BLOCK-T123", ""), ("OBJECT", f"field_{idx % 37}", ""),
        ("EXPTIME", 30.0, "[s] exposure time"), ("DARKTIME", 31.2, "[s] dark time"),
        ("DATE-OBS", "2024-05-01T03:04:05.000", "TAI start"),
        ("DATE-BEG", "2024-05-01T03:04:05.000", "TAI start"),
        ("DATE-END", "2024-05-01T03:04:35.000", "TAI end"),
        ("DATE-AVG", "2024-05-01T03:04:20.000", "TAI midpoint"),
        ("MJD", t0, ""), ("MJD-OBS", t0, ""), ("MJD-BEG", t0, ""), ("MJD-END", t0 + 30 / 86400, ""),
        ("MJD-AVG", t0 + 15 / 86400, ""), ("TIMESYS", "TAI", ""),
        ("FILTER", "r_57", "Filter name"), ("BAND", "r", ""), ("FILTPOS", 3, ""),
        ("AIRMASS", 1.0 + abs(rng.normal(0, 0.2)), ""), ("ZENITHAN", 30.0, ""),
        ("HASTART", -0.5, ""), ("HAEND", -0.49, ""), ("ELSTART", 60.0, ""), ("AZSTART", 120.0, ""),
        ("RA", 150.1, ""), ("DEC", 2.2, ""), ("ROTPA", 12.3, ""), ("ROTCOORD", "sky", ""),
        ("TRACKSYS", "RADEC", ""), ("OUTTEMP", 10.5, ""), ("PRESSURE", 743.0, ""),
        ("HUMIDITY", 22.0, ""), ("WINDSPD", 4.0, ""), ("SEEING", 0.75, ""),
        ("DETECTOR", idx % 189, ""), ("DETNAME", f"R22_S{idx % 3}{idx % 3}", ""),
        ("RAFTBAY", "R22", ""), ("CCDSLOT", "S11", ""), ("CCDTEMP", -101.2, ""),
        ("BINX", 1, ""), ("BINY", 1, ""), ("EMUIMAGE", False, ""),
        ("PHOTOCAL", 1.234e-4, ""), ("MAGZERO", 31.4, ""), ("MAGZERO_RMS", 0.01, ""),
        ("BGMEAN", 812.3, ""), ("FLUXMAG0", 3.3e13, ""), ("FLUXMAG0ERR", 1e11, ""),
        ("LTV1", 0.0, "xy0 offset"), ("LTV2", 0.0, "xy0 offset"),
    ]
    for k, v, cmt in cards:
        hdr[k if len(k) <= 8 else f"HIERARCH {k}"] = (v, cmt)
    for k, v, cmt in wcs_cards(w, h, rng):
        hdr[k] = (v, cmt)
    n = 0
    for task in ("ISR", "CHARIMAGE", "CALIBRATE", "SFM"):
        for k in ("RUN", "TASK", "VERSION", "HOST", "PID", "START", "END", "CONFIGHASH", "QUANTUM"):
            hdr[f"HIERARCH LSST {task} {k}"] = f"{task.lower()}-{k.lower()}-{idx}-{n}"
            n += 1
    for i in range(8):
        for k in ("RUN", "DATASETTYPE", "ID", "DATAID"):
            hdr[f"HIERARCH LSST BUTLER INPUT {i} {k}"] = f"u/someone/run{i}/{k.lower()}{idx:05d}"
    i = 0
    while len(hdr) < 298:
        hdr[f"HIERARCH LSST CALIB STAT{i:03d}"] = (float(rng.normal(0, 1)), "summary stat")
        i += 1
    hdr.add_comment("Generated by butler-ts bench/astropy_fits.py (synthetic calexp)")
    hdr.add_history("isr -> characterizeImage -> calibrate")
    return hdr


def gen(outdir):
    t_start = time.perf_counter()
    rng = np.random.default_rng(20240501)
    small_dir = os.path.join(outdir, "small")
    os.makedirs(small_dir, exist_ok=True)
    # 1000 small files. The header is built once per file from a template whose varying cards change,
    # which keeps generation to a few seconds.
    template = calexp_primary_header(SMALL_SIZE, SMALL_SIZE, 0, rng)
    stat_keys = [k for k in template.keys() if k.startswith("LSST CALIB STAT")]
    small = []
    for idx in range(SMALL_FILES):
        hdr = template.copy()
        hdr["SEQNUM"] = 1000 + idx
        hdr["OBSID"] = f"MC_O_20240501_{idx:06d}"
        hdr["MJD-OBS"] = 60200.0 + idx * 0.00045
        hdr["AIRMASS"] = 1.0 + abs(float(rng.normal(0, 0.2)))
        for k in stat_keys[:40]:
            hdr[k] = float(rng.normal(0, 1))
        data = rng.normal(800.0, 30.0, size=(SMALL_SIZE, SMALL_SIZE)).astype(np.float32)
        p = os.path.join(small_dir, f"calexp_{idx:04d}.fits")
        fits.PrimaryHDU(data, header=hdr).writeto(p)
        small.append(p)
    t_small = time.perf_counter() - t_start

    # 4096x4096 float32 in an IMAGE extension after a calexp-like primary header.
    big = os.path.join(outdir, f"image_{BIG}.fits")
    image = rng.normal(800.0, 30.0, size=(BIG, BIG)).astype(np.float32)
    ext = fits.Header()
    ext["EXTNAME"] = "IMAGE"
    fits.HDUList([fits.PrimaryHDU(header=calexp_primary_header(BIG, BIG, 0, rng)),
                  fits.ImageHDU(image, header=ext)]).writeto(big)
    del image

    # Compressed inputs, made by fpack (CFITSIO) from plain primary images.
    f32 = os.path.join(outdir, f"float32_{COMP}.fits")
    fits.PrimaryHDU(rng.normal(800.0, 30.0, size=(COMP, COMP)).astype(np.float32)).writeto(f32)
    gzip2 = os.path.join(outdir, f"float32_{COMP}_gzip2.fits.fz")
    subprocess.run(["fpack", "-g2", "-q", "0", "-O", gzip2, f32], check=True)
    i32 = os.path.join(outdir, f"int32_{COMP}.fits")
    # Raw-like counts: a bias level plus Poisson sky, as an int32 sensor image.
    counts = (rng.poisson(800.0, size=(COMP, COMP)) + 15000).astype(np.int32)
    fits.PrimaryHDU(counts).writeto(i32)
    rice = os.path.join(outdir, f"int32_{COMP}_rice.fits.fz")
    subprocess.run(["fpack", "-r", "-O", rice, i32], check=True)
    os.remove(f32)
    os.remove(i32)
    print(json.dumps({"small": small, "big": big, "gzip2": gzip2, "rice": rice,
                      "big_shape": [BIG, BIG], "comp_shape": [COMP, COMP],
                      "seconds": {"small": t_small, "total": time.perf_counter() - t_start}}))


# ---------------------------------------------------------------- timed operations
def scan_all_values(p):
    """Every header of every HDU, every card's keyword, value and comment parsed (astropy is lazy).
    disable_image_compression=True keeps compressed HDUs as the BINTABLE headers the file holds,
    which is what our scanner parses too (astropy would otherwise also synthesise an image header)."""
    n = 0
    with fits.open(p, disable_image_compression=True) as hdul:
        for hdu in hdul:
            for card in hdu.header.cards:
                card.keyword
                card.value
                card.comment
                n += 1
    return n


def scan_files(paths):
    n = 0
    for p in paths:
        n += scan_all_values(p)
    return n


def full_read(p, hdu):
    with fits.open(p, memmap=False) as hdul:
        return hdul[hdu].data.nbytes          # memmap=False: .data reads the whole array


def full_read_native(p, hdu):
    with fits.open(p, memmap=False) as hdul:
        d = hdul[hdu].data
        return d.astype(d.dtype.newbyteorder("=")).nbytes


def cutout_section(p, hdu, box):
    x, y, w, h = box
    with fits.open(p) as hdul:                # memmap=True is astropy's default
        return hdul[hdu].section[y:y + h, x:x + w].nbytes


def cutout_section_nommap(p, hdu, box):
    x, y, w, h = box
    with fits.open(p, memmap=False) as hdul:
        return hdul[hdu].section[y:y + h, x:x + w].nbytes


def decompress(p, hdu, memmap=None):
    with fits.open(p, memmap=memmap) as hdul:
        return hdul[hdu].data.nbytes          # CompImageHDU.data decompresses every tile (CFITSIO)


def cat(p):
    subprocess.run(["cat", p], stdout=subprocess.DEVNULL, check=True)
    return 0


def rchar():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return -1


def serve(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    big, box, gz, rice = spec["big"], spec["box"], spec["gzip2"], spec["rice"]
    ops = {
        "scan_fixtures": lambda: scan_files(spec["fixtures"]),
        "scan_small": lambda: scan_files(spec["small"]),
        "cat_big": lambda: cat(big["path"]),
        "cat_empty": lambda: cat("/dev/null"),
        "full": lambda: full_read(big["path"], big["hdu"]),
        "full_native": lambda: full_read_native(big["path"], big["hdu"]),
        "cutout": lambda: cutout_section(big["path"], big["hdu"], box),
        "cutout_nommap": lambda: cutout_section_nommap(big["path"], big["hdu"], box),
        "gzip2": lambda: decompress(gz["path"], gz["hdu"]),
        "rice": lambda: decompress(rice["path"], rice["hdu"]),
    }
    # Bytes the kernel handed over through read() for one call (mmap page faults are not counted,
    # hence memmap=False variants where astropy would otherwise map the file), from /proc/self/io.
    byte_ops = {
        "scan_fixtures": ops["scan_fixtures"],
        "scan_small": ops["scan_small"],
        "full": ops["full"],
        "cutout_nommap": ops["cutout_nommap"],
        "gzip2": lambda: decompress(gz["path"], gz["hdu"], False),
        "rice": lambda: decompress(rice["path"], rice["hdu"], False),
    }
    for line in iter(sys.stdin.readline, ""):
        req = json.loads(line)
        op = req["op"]
        if op == "quit":
            break
        if op == "env":
            reply = {"python": sys.version.split()[0], "astropy": __import__("astropy").__version__,
                     "numpy": np.__version__, "executable": sys.executable}
        elif op == "bytes":
            reply = {}
            for key, fn in byte_ops.items():
                r0 = rchar()
                fn()
                reply[key] = rchar() - r0
        elif op == "cards":
            reply = {"fixtures": scan_files(spec["fixtures"]), "small": scan_files(spec["small"])}
        else:
            fn = ops[op]
            gc.collect()
            gc.disable()
            t = time.perf_counter()
            fn()
            ms = (time.perf_counter() - t) * 1e3
            gc.enable()
            reply = {"ms": ms}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def proc_memory():
    """VmRSS and VmHWM (peak RSS of this process image) in bytes, from /proc/self/status."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out["VmRSS"], out["VmHWM"]


def memory(path, hdu):
    """Peak RSS growth of one full read (memmap=False) in a fresh process: the peak mark is reset
    just before the read (echo 5 > /proc/self/clear_refs), so VmHWM after it is the read's peak."""
    with fits.open(path, memmap=False) as hdul:  # imports and lazy code paths, headers only
        hdul[hdu].header
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    rss_before, hwm_before = proc_memory()
    with fits.open(path, memmap=False) as hdul:
        data = hdul[hdu].data
        nbytes = data.nbytes
    _, hwm_after = proc_memory()
    print(json.dumps({"rss_before": rss_before, "peak_before": hwm_before, "peak_after": hwm_after,
                      "peak_delta": hwm_after - rss_before, "array_bytes": nbytes}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "serve":
        serve(sys.argv[2])
    elif cmd == "memory":
        memory(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")
