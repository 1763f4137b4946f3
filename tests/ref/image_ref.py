#!/usr/bin/python3
"""Reference dump for tests/unit/test_image_ref.c: deterministic inputs and the outputs of OpenCV
(Otsu, connected components, RGB<->HSV) and scikit-image (disk dilation, remove_small_holes,
remove_small_objects), plus the seed's stripe-noise / pixel-missing code (seed-algorithms 4.6)
extended with a footprint mask. Run by Debian's /usr/bin/python3 (python3-opencv, python3-skimage).

    image_ref.py OUT.bin              write the reference file (exit 77 when cv2/skimage are missing)
    image_ref.py --bench RAW W H      time cv2 on a raw (H,W,3) uint8 tile (tests/bench/bench_image.c)

File (little-endian): b"SWIMGREF", u32 version, u32 ncase; then per case: i32 kind, w, h, nc,
iparam, has_mask; f64 fparam; i32 name length, name; the input, the mask, the expected output.
The case kinds and their payloads are listed in KINDS below and in test_image_ref.c.
"""
import os
import struct
import sys
import time

VERSION = 1
KINDS = dict(OTSU=1,        # in (h,w,nc) u8                          -> i32 (nc) thresholds
             OTSU_HIST=2,   # in i64[256] histogram                   -> i32 threshold
             CC=3,          # in (h,w) u8, iparam = 4|8               -> i32 n, i32 (h,w) labels, i32 (n,5)
             DEFECTS=4,     # in (h,w,3), iparam = sat_boost          -> u8 (h,w) stripe 0|9,
                            #                                            u8 (h,w) missing 0|10, u8 (h,w) tile
             RGB2HSV=7,     # in (n,3) as w = n, h = 1                -> u8 (n,3)
             HSV2RGB=8,     # in (n,3)                                -> u8 (n,3)
             BOOST=9,       # in (n,3), iparam = delta                -> u8 (n,3)
             DILATE=10,     # in (h,w) 0|1, iparam = radius           -> u8 (h,w)
             HOLES=11,      # in (h,w), iparam = connectivity 1|2, fparam = area_threshold -> u8 (h,w)
             OBJECTS=12,    # in (h,w), iparam = connectivity 1|2, fparam = min_size       -> u8 (h,w)
             HSV_ALL=13)    # no input -> u64 checksums: rgb2hsv(all 2^24 RGB), boost(+100), hsv2rgb(all H<180)

SIGMA = 0x9E3779B97F4A7C15
OFFSET = 0x632BE59BD9B4E019


def checksum(flat):
    """sum_k flat[k] * ((k * SIGMA + OFFSET) | 1) mod 2^64 (test_image_ref.c computes the same)."""
    import numpy as np
    total = 0
    step = 1 << 22
    for k0 in range(0, flat.size, step):
        k = np.arange(k0, min(k0 + step, flat.size), dtype=np.uint64)
        mult = (k * np.uint64(SIGMA) + np.uint64(OFFSET)) | np.uint64(1)
        total = (total + int(np.sum(flat[k0:k0 + step].astype(np.uint64) * mult, dtype=np.uint64))) % (1 << 64)
    return total


class Writer:
    def __init__(self, path):
        self.path = path
        self.cases = []

    def add(self, kind, name, w, h, nc, inp, mask=None, iparam=0, fparam=0.0, expected=b""):
        import numpy as np
        head = struct.pack("<6id", KINDS[kind], w, h, nc, iparam, 0 if mask is None else 1, fparam)
        nb = name.encode()
        parts = [head, struct.pack("<i", len(nb)), nb, np.ascontiguousarray(inp).tobytes()]
        if mask is not None:
            parts.append(np.ascontiguousarray(mask, dtype=np.uint8).tobytes())
        parts.append(expected)
        self.cases.append(b"".join(parts))

    def write(self):
        with open(self.path + ".tmp", "wb") as f:
            f.write(b"SWIMGREF" + struct.pack("<II", VERSION, len(self.cases)))
            for c in self.cases:
                f.write(c)
        os.replace(self.path + ".tmp", self.path)


# ---------------------------------------------------------------- references

def otsu_ref(cv2, np, values):
    """OpenCV's Otsu threshold of a 1-D set of uint8 values (the valid pixels)."""
    t, _ = cv2.threshold(values.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(t)


def hsv2rgb_scalar(cv2, np, hsv):
    """cv2 HSV2RGB forced onto its scalar (rounding) path: one pixel per row. OpenCV 4.6's SIMD
    path truncates on whole vector blocks of each row, so it depends on the column and the CPU."""
    shape = hsv.shape
    return cv2.cvtColor(np.ascontiguousarray(hsv.reshape(-1, 1, 3)), cv2.COLOR_HSV2RGB).reshape(shape)


def hsv2rgb_fused(cv2, np):
    """Whether cv2 runs HSV2RGB's scalar loop with 1 - s*h fused into an FMA (its AVX2-dispatched
    build, the semantics of src/image/colour.c): HSV (33,187,75) gives R = 70, not 69, then."""
    return hsv2rgb_scalar(cv2, np, np.array([[33, 187, 75]], np.uint8))[0, 0] == 70


def boost_ref(cv2, np, rgb, delta=100):
    shape = rgb.shape
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb.reshape(1, -1, 3)), cv2.COLOR_RGB2HSV)
    hsv[..., 1] = np.clip(hsv[..., 1].astype(np.int32) + delta, 0, 255).astype(np.uint8)
    return hsv2rgb_scalar(cv2, np, hsv).reshape(shape)


def cc_ref(cv2, np, binary, conn):
    """cv2.connectedComponentsWithStats, labels renumbered in raster order of first pixel."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), None, None, None,
                                                        conn, cv2.CV_32S)
    first = np.full(n, binary.size, dtype=np.int64)
    flat = lab.ravel()
    u, idx = np.unique(flat, return_index=True)
    first[u] = idx
    order = [0] + sorted(range(1, n), key=lambda k: first[k])
    remap = np.zeros(n, dtype=np.int32)
    remap[order] = np.arange(n, dtype=np.int32)
    return n - 1, remap[lab].astype(np.int32), stats[order[1:]].astype(np.int32)


def stripe_ref(cv2, np, rgb, valid, boost):
    """Seed 传统检测.py extract_stripe_noise, restricted to the footprint: Otsu over valid pixels,
    foreground only inside, boxes painted only inside."""
    img = boost_ref(cv2, np, rgb) if boost else rgb
    h, w = rgb.shape[:2]
    v = np.ones((h, w), bool) if valid is None else valid.astype(bool)
    mask = np.zeros((h, w), np.uint8)
    if not v.any():
        return mask
    for c in range(3):
        ch = np.ascontiguousarray(img[:, :, c])
        if valid is None:
            t, binary = cv2.threshold(ch, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            assert (binary == np.where(ch > t, 255, 0)).all()
        else:
            t = otsu_ref(cv2, np, ch[v])
        binary = np.where((ch > t) & v, 255, 0).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, None, None, None, 8, cv2.CV_32S)
        for i in range(1, n):
            if stats[i][2] / stats[i][3] > 5 or stats[i][2] / stats[i][3] < 0.2:
                x, y, bw, bh, area = stats[i]
                mask[y:y + bh, x:x + bw] = 9
    mask[~v] = 0
    return mask


def missing_ref(np, rgb, valid):
    m = np.where((rgb == 0).all(axis=2) | (rgb == 255).all(axis=2), 10, 0).astype(np.uint8)
    if valid is not None:
        m[valid == 0] = 0
    return m


# ---------------------------------------------------------------- inputs

def smooth_rgb(np, rng, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((h, w, 3), np.uint8)
    for c in range(3):
        f = 80 + 60 * np.sin(x / (7 + 5 * c) + rng.uniform(0, 6)) * np.cos(y / (11 + 3 * c))
        f += 40 * (x + y) / max(1, w + h) + rng.normal(0, 6, (h, w))
        out[:, :, c] = np.clip(f, 0, 255).astype(np.uint8)
    return out


def add_stripes(np, rng, img, n):
    h, w = img.shape[:2]
    for _ in range(n):
        val = rng.integers(180, 256, 3) if rng.random() < 0.7 else rng.integers(0, 40, 3)
        t = int(rng.integers(1, 4))
        if rng.random() < 0.5:
            y = int(rng.integers(0, h))
            x0 = int(rng.integers(0, max(1, w // 2)))
            x1 = int(rng.integers(x0 + 1, w + 1))
            img[y:y + t, x0:x1] = val
        else:
            x = int(rng.integers(0, w))
            y0 = int(rng.integers(0, max(1, h // 2)))
            y1 = int(rng.integers(y0 + 1, h + 1))
            img[y0:y1, x:x + t] = val
    return img


def footprint(np, rng, h, w, kind):
    if kind == "none":
        return None
    if kind == "all":
        return np.ones((h, w), np.uint8)
    if kind == "empty":
        return np.zeros((h, w), np.uint8)
    if kind == "diag":  # a rotated scene: valid inside a band
        y, x = np.mgrid[0:h, 0:w]
        return ((x + y > w // 3) & (x + y < w + h - w // 4) & (x - y < w // 2)).astype(np.uint8)
    if kind == "random":
        return (rng.random((h, w)) < 0.8).astype(np.uint8)
    raise ValueError(kind)


def binary_image(np, rng, h, w, density, kind="noise"):
    if kind == "noise":
        return (rng.random((h, w)) < density).astype(np.uint8)
    # blobs: thresholded smooth noise
    import scipy.ndimage as ndi
    f = ndi.gaussian_filter(rng.random((h, w)), 2.0)
    return (f > np.quantile(f, 1 - density)).astype(np.uint8)


# ---------------------------------------------------------------- cases

def exhaustive(cv2, np, W):
    """Checksums over every RGB colour (RGB2HSV, boost +100) and every H<180,S,V (HSV2RGB)."""
    i = np.arange(1 << 24, dtype=np.uint32)
    allrgb = np.stack([i >> 16, (i >> 8) & 255, i & 255], 1).astype(np.uint8)
    allhsv = cv2.cvtColor(allrgb.reshape(4096, 4096, 3), cv2.COLOR_RGB2HSV)
    scalar_hsv = cv2.cvtColor(allrgb.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV)
    assert (allhsv.reshape(-1) == scalar_hsv.reshape(-1)).all(), "cv2 RGB2HSV SIMD != scalar"
    c1 = checksum(allhsv.reshape(-1))
    del scalar_hsv
    c2 = checksum(boost_ref(cv2, np, allrgb).reshape(-1))
    j = np.arange(180 << 16, dtype=np.uint32)
    hsvall = np.stack([j >> 16, (j >> 8) & 255, j & 255], 1).astype(np.uint8)
    c3 = checksum(hsv2rgb_scalar(cv2, np, hsvall).reshape(-1))
    W.add("HSV_ALL", "hsv exhaustive", 0, 0, 0, np.zeros(0, np.uint8), expected=struct.pack("<3Q", c1, c2, c3))


def build(out_path):
    try:
        import numpy as np
        import cv2
        import skimage.morphology as morph
        import scipy.ndimage  # noqa: F401 (skimage needs it too)
    except ImportError as e:
        print(f"SKIP: {e}; install python3-opencv python3-skimage (Debian) for the reference test")
        return 77
    rng = np.random.default_rng(20240717)
    W = Writer(out_path)
    fused = hsv2rgb_fused(cv2, np)
    if not fused:
        print("note: this cv2 runs HSV->RGB without the fused multiply-add of its AVX2 build (no AVX2?);"
              " the HSV->RGB and saturation-boost cases are left out")
    sizes = [(1, 1), (1, 2), (2, 1), (1, 6), (6, 1), (3, 3), (5, 7), (17, 31), (64, 64), (97, 130)]

    # Otsu on images, interleaved, with masks
    for (h, w) in sizes + [(128, 100)]:
        for kind in ["uniform", "smooth", "constant", "two", "bimodal"]:
            if kind == "uniform":
                img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            elif kind == "smooth":
                img = smooth_rgb(np, rng, h, w)
            elif kind == "constant":
                img = np.full((h, w, 3), rng.integers(0, 256), np.uint8)
            elif kind == "two":
                img = np.where(rng.random((h, w, 3)) < 0.5, 17, 200).astype(np.uint8)
            else:
                img = np.where(rng.random((h, w, 3)) < 0.3, rng.normal(60, 10, (h, w, 3)),
                               rng.normal(170, 20, (h, w, 3))).clip(0, 255).astype(np.uint8)
            for mk in ["none", "random", "diag"]:
                valid = footprint(np, rng, h, w, mk)
                ts = []
                for c in range(3):
                    vals = img[:, :, c][valid.astype(bool)] if valid is not None else img[:, :, c].ravel()
                    ts.append(otsu_ref(cv2, np, vals))  # the mask kinds used here are never empty
                    if valid is None:  # the 2-D call must agree with the 1-D one
                        t2, _ = cv2.threshold(np.ascontiguousarray(img[:, :, c]), 0, 255,
                                              cv2.THRESH_BINARY + cv2.THRESH_OTSU)
                        assert int(t2) == ts[-1]
                W.add("OTSU", f"otsu {kind} {h}x{w} mask={mk}", w, h, 3, img, valid,
                      expected=struct.pack("<3i", *ts))
        # single channel too
        img1 = rng.integers(0, 256, (h, w), dtype=np.uint8)
        W.add("OTSU", f"otsu 1ch {h}x{w}", w, h, 1, img1, None,
              expected=struct.pack("<i", otsu_ref(cv2, np, img1.ravel())))

    # Otsu on histograms: ties (few bins, small counts) and huge counts (p < FLT_EPSILON tails)
    def hist_case(name, hist):
        hist = np.asarray(hist, dtype=np.int64)
        vals = np.repeat(np.arange(256, dtype=np.uint8), hist)
        W.add("OTSU_HIST", name, 0, 0, 0, hist, None, expected=struct.pack("<i", otsu_ref(cv2, np, vals)))
    for i in range(300):
        hist = np.zeros(256, np.int64)
        k = int(rng.integers(1, 6))
        pos = rng.choice(256 if i % 2 else 8, size=k, replace=False)
        hist[pos] = rng.integers(1, 4, k)
        hist_case(f"hist few-bins #{i}", hist)
    for i in range(40):  # symmetric pairs and triples: exact ties of the criterion
        hist = np.zeros(256, np.int64)
        a = int(rng.integers(0, 200)); d = int(rng.integers(1, 25)); c = int(rng.integers(1, 1000))
        hist[a] = c; hist[a + d] = c
        if i % 2:
            hist[min(255, a + 2 * d)] += c
        hist_case(f"hist tie #{i}", hist)
    for i in range(6):  # N > 1/FLT_EPSILON: single outliers fall below FLT_EPSILON
        hist = np.zeros(256, np.int64)
        hist[60:200] = rng.integers(50000, 150000, 140)
        hist[int(rng.integers(0, 30))] = int(rng.integers(1, 3))
        hist[int(rng.integers(230, 256))] = int(rng.integers(1, 3))
        if i % 2:
            hist[0] += 1
            hist[255] += 1
        hist_case(f"hist huge #{i} n={hist.sum()}", hist)

    # connected components
    for (h, w) in sizes + [(96, 80), (120, 37)]:
        for density in [0.0, 0.1, 0.35, 0.5, 0.65, 1.0]:
            for bk in ["noise", "blobs"] if h * w >= 64 else ["noise"]:
                b = binary_image(np, rng, h, w, density, bk) if 0 < density < 1 else \
                    np.full((h, w), int(density), np.uint8)
                for conn in (4, 8):
                    n, lab, stats = cc_ref(cv2, np, b, conn)
                    W.add("CC", f"cc {bk} {h}x{w} p={density} conn={conn}", w, h, 1, b, None, iparam=conn,
                          expected=struct.pack("<i", n) + lab.tobytes() + stats.tobytes())

    # stripe noise, pixel missing, the tile
    tiles = []
    for (h, w) in sizes + [(120, 90), (160, 128)]:
        base = smooth_rgb(np, rng, h, w)
        tiles.append((f"smooth {h}x{w}", base.copy()))
        tiles.append((f"stripes {h}x{w}", add_stripes(np, rng, base.copy(), max(1, (h + w) // 20))))
        if h * w >= 64:
            tiles.append((f"noise {h}x{w}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))
    tiles.append(("constant 40x30", np.full((30, 40, 3), 77, np.uint8)))
    tiles.append(("black 16x16", np.zeros((16, 16, 3), np.uint8)))
    tiles.append(("white 9x12", np.full((9, 12, 3), 255, np.uint8)))
    one6 = np.full((6, 1, 3), 20, np.uint8); one6[:, 0] = 200
    tiles.append(("1x6 column of 200", one6))
    t = np.full((20, 30, 3), 30, np.uint8); t[4, 2:28] = 220; t[8:13, 8:13] = 220
    tiles.append(("line + square 30x20", t))
    # pixel-missing patterns: 0/255 pixels, and near misses
    m = smooth_rgb(np, rng, 48, 64)
    m[rng.random((48, 64)) < 0.05] = 0
    m[rng.random((48, 64)) < 0.05] = 255
    m[rng.random((48, 64)) < 0.05] = (0, 0, 1)
    m[rng.random((48, 64)) < 0.05] = (255, 254, 255)
    m[10:14, :] = 0
    tiles.append(("missing 64x48", m))
    for name, img in tiles:
        h, w = img.shape[:2]
        for mk in ["none", "diag", "random", "empty"] if h * w >= 16 else ["none", "all"]:
            valid = footprint(np, rng, h, w, mk)
            for boost in (0, 1) if fused else (0,):
                stripe = stripe_ref(cv2, np, img, valid, boost)
                missing = missing_ref(np, img, valid)
                W.add("DEFECTS", f"defects {name} mask={mk} boost={boost}", w, h, 3, img, valid, iparam=boost,
                      expected=stripe.tobytes() + missing.tobytes() + np.maximum(stripe, missing).tobytes())

    # colour: a sample with position detail (the exhaustive checksums are below)
    special = [(r, g, b) for r in (0, 1, 127, 128, 254, 255) for g in (0, 1, 127, 128, 254, 255)
               for b in (0, 1, 127, 128, 254, 255)]
    rgb = np.concatenate([np.array(special, np.uint8), rng.integers(0, 256, (20000, 3), dtype=np.uint8)])
    n = rgb.shape[0]
    hsv = cv2.cvtColor(rgb.reshape(1, -1, 3), cv2.COLOR_RGB2HSV).reshape(-1, 3)
    W.add("RGB2HSV", "rgb2hsv sample", n, 1, 3, rgb, expected=hsv.tobytes())
    hin = np.stack([rng.integers(0, 180, n), rng.integers(0, 256, n), rng.integers(0, 256, n)], 1).astype(np.uint8)
    hin[:len(special)] = np.array(special, np.uint8) % np.array([180, 256, 256])
    if fused:
        W.add("HSV2RGB", "hsv2rgb sample", n, 1, 3, hin, expected=hsv2rgb_scalar(cv2, np, hin).tobytes())
    for delta in (100, 0, 255, -60) if fused else ():
        W.add("BOOST", f"boost {delta}", n, 1, 3, rgb, iparam=delta,
              expected=boost_ref(cv2, np, rgb, delta).tobytes())
    # exhaustive: every RGB colour, every OpenCV HSV triple
    if fused:
        exhaustive(cv2, np, W)

    # morphology
    msizes = [(1, 1), (1, 5), (4, 1), (3, 3), (8, 8), (33, 47), (100, 80)]
    for (h, w) in msizes:
        for density in (0.01, 0.05, 0.3, 0.7):
            for bk in ["noise", "blobs"] if h * w >= 64 else ["noise"]:
                b = binary_image(np, rng, h, w, density, bk)
                for r in (0, 1, 2, 3, 5):
                    exp = morph.binary_dilation(b.astype(bool), morph.disk(r)).astype(np.uint8)
                    W.add("DILATE", f"dilate {bk} {h}x{w} p={density} r={r}", w, h, 1, b, iparam=r,
                          expected=exp.tobytes())
                for conn in (1, 2):
                    for thr in (0, 1, 2, 10, 10.5, 64):
                        exp = morph.remove_small_holes(b.astype(bool), area_threshold=thr,
                                                       connectivity=conn).astype(np.uint8)
                        W.add("HOLES", f"holes {bk} {h}x{w} p={density} conn={conn} thr={thr}", w, h, 1, b,
                              iparam=conn, fparam=float(thr), expected=exp.tobytes())
                        exp = morph.remove_small_objects(b.astype(bool), min_size=thr,
                                                         connectivity=conn).astype(np.uint8)
                        W.add("OBJECTS", f"objects {bk} {h}x{w} p={density} conn={conn} min={thr}", w, h, 1,
                              b, iparam=conn, fparam=float(thr), expected=exp.tobytes())
    # the seed's post-processing chain on a class mask: dilate disk(2), holes 10, objects thr*H*W
    for k in range(4):
        h, w = 120, 150
        b = binary_image(np, rng, h, w, 0.02 + 0.05 * k, "noise" if k % 2 else "blobs")
        d = morph.binary_dilation(b.astype(bool), morph.disk(2))
        W.add("DILATE", f"chain #{k} dilate", w, h, 1, b, iparam=2, expected=d.astype(np.uint8).tobytes())
        hl = morph.remove_small_holes(d, area_threshold=10)
        W.add("HOLES", f"chain #{k} holes", w, h, 1, d.astype(np.uint8), iparam=1, fparam=10.0,
              expected=hl.astype(np.uint8).tobytes())
        ms = 0.001 * h * w
        ob = morph.remove_small_objects(hl, min_size=ms, connectivity=2)
        W.add("OBJECTS", f"chain #{k} objects", w, h, 1, hl.astype(np.uint8), iparam=2, fparam=ms,
              expected=ob.astype(np.uint8).tobytes())

    W.write()
    print(f"wrote {len(W.cases)} cases to {out_path} (cv2 {cv2.__version__}, numpy {np.__version__})")
    return 0


def bench(raw, w, h):
    import numpy as np
    import cv2
    cv2.setNumThreads(1)
    img = np.fromfile(raw, np.uint8).reshape(h, w, 3)

    def stripe_cv2():
        for c in range(3):
            ch = np.ascontiguousarray(img[:, :, c])
            _, b = cv2.threshold(ch, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            cv2.connectedComponentsWithStats(b, None, None, None, 8, cv2.CV_32S)

    def missing_np():
        (img == 0).all(axis=2) | (img == 255).all(axis=2)

    for name, fn in [("cv2 3x(threshold OTSU + connectedComponentsWithStats 8)", stripe_cv2),
                     ("numpy pixel missing", missing_np)]:
        fn()
        best = 1e9
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        print(f"{name}: {best * 1e3:.2f} ms, {w * h / best / 1e6:.1f} Mpx/s (1 thread, best of 5)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--bench":
        sys.exit(bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    try:
        os.remove(sys.argv[1])  # never leave a stale reference behind
    except FileNotFoundError:
        pass
    sys.exit(build(sys.argv[1]))
