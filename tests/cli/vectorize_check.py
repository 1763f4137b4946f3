"""Fixtures and the polygon-by-polygon check of tests/cli/outputs_vectorize.sh.

  vectorize_check.py fixtures DIR
      noise.tif  201x157 random classes 0 (45 %), 255 (10 %), 1..3 (15 % each) and a 255 block:
                 holes, diagonal-only contacts, regions on the image edges; DEFLATE + PREDICTOR=2,
                 tiled 64x64 (partial edge blocks), EPSG:32650 at 2 m; noise_conf.tif random bytes,
                 the same blocks (these four rasters are inflated by mask_vectorize.c itself)
      geo.tif    the same classes in EPSG:4326 at 1e-4 degrees, in strips (not tiled); geo_conf.tif
                 in LZW (read through GDAL)
      span.tif   640x480, tiled 128: a class-1 comb whose frame runs along the four image edges (one
                 region spanning the image, with holes), class-2 islands in its holes and a class-1
                 ring inside a hole, a diagonal staircase (31 regions 4-connected, 1 8-connected), a
                 10x10 checkerboard (50 / 1, the 8-connected one touching itself at 81 vertices),
                 two diagonals of classes 3 and 4 crossing at a corner, a 255 block (PREDICTOR=2);
                 span_conf.tif random bytes tiled 256 (other blocks than the mask's: GDALRasterIO)
  vectorize_check.py compare MASK CONF OURS.gpkg REF.gpkg
      REF is gdal_polygonize.py's output (field DN). Every polygon of classes 1..254 must be in
      OURS exactly once with the same rings: each ring as its multiset of edges between corner
      vertices (so ring start, orientation and split collinear edges do not matter), vertices
      compared in pixel-corner coordinates and in CRS coordinates (1e-9 of a pixel). For every
      polygon, pixels, conf_sum and the pixel box must equal what the reference polygon covers
      when burned back (pixel-centre rule, exact for pixel-aligned polygons); area_m2 must be
      pixels x pixel area (projected CRS); ids must follow the raster order of first pixels.
"""
import collections
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()


def write(path, arr, epsg, gt, tile, nodata=None, compress="DEFLATE", predictor=1):
    opts = ["COMPRESS=" + compress, "PREDICTOR=%d" % predictor] + \
        (["TILED=YES", "BLOCKXSIZE=%d" % tile, "BLOCKYSIZE=%d" % tile] if tile else [])
    ds = gdal.GetDriverByName("GTiff").Create(path, arr.shape[1], arr.shape[0], 1, gdal.GDT_Byte, opts)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform(gt)
    b = ds.GetRasterBand(1)
    if nodata is not None:
        b.SetNoDataValue(nodata)
    b.WriteArray(arr)
    ds = None


def fixtures(d):
    rng = np.random.default_rng(20261123)
    h, w = 157, 201
    noise = rng.choice(np.array([0, 255, 1, 2, 3], np.uint8), size=(h, w), p=[0.45, 0.10, 0.15, 0.15, 0.15])
    noise[100:140, 0:60] = 255   # touches the left edge
    utm = (500000.0, 2.0, 0.0, 2900000.0, 0.0, -2.0)
    write(d + "/noise.tif", noise, 32650, utm, 64, 255, predictor=2)
    write(d + "/noise_conf.tif", rng.integers(0, 256, (h, w), dtype=np.uint8), 32650, utm, 64)
    geo = (106.7, 1e-4, 0.0, 26.6, 0.0, -1e-4)
    write(d + "/geo.tif", noise, 4326, geo, 0, 255)
    write(d + "/geo_conf.tif", rng.integers(0, 256, (h, w), dtype=np.uint8), 4326, geo, 0, compress="LZW")

    h, w = 480, 640
    m = np.zeros((h, w), np.uint8)
    m[0, :] = m[-1, :] = m[:, 0] = m[:, -1] = 1          # the frame on the image edges
    m[:400, ::8] = 1                                     # teeth hanging from the top row
    m[50:60, 100:104] = 2                                # islands between the teeth
    m[200:203, 300:305] = 2
    m[420:440, 20:40] = 1                                # a class-1 ring inside the big hole
    m[424:436, 24:36] = 0
    m[428:432, 28:32] = 2                                # with a class-2 island in its hole
    for i in range(31):                                  # a diagonal staircase of class 5
        m[410 + i, 200 + i] = 5
    cb = (np.add.outer(np.arange(10), np.arange(10)) % 2 == 0)
    m[420:430, 300:310][cb] = 6                          # a checkerboard of class 6
    m[450, 100] = m[451, 101] = 3                        # two diagonals crossing at a corner
    m[450, 101] = m[451, 100] = 4
    m[420:470, 600:610] = 255                            # nodata inside the frame
    write(d + "/span.tif", m, 32650, utm, 128, 255, predictor=2)
    write(d + "/span_conf.tif", rng.integers(0, 256, (h, w), dtype=np.uint8), 32650, utm, 256)


def corners(ring):
    """The ring's vertices (open) without those in the middle of a straight line."""
    pts = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
    n = len(pts)
    out = []
    for i in range(n):
        a, b, c = pts[i - 1], pts[i], pts[(i + 1) % n]
        if (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) != 0:
            out.append(b)
    return out


def signature(cls, rings):
    sig = []
    for r in rings:
        c = corners(r)
        edges = sorted(tuple(sorted((c[i], c[(i + 1) % len(c)]))) for i in range(len(c)))
        sig.append(tuple(edges))
    return (cls, tuple(sorted(sig)))


def read(path, inv, gt, field):
    ds = ogr.Open(path)
    lyr = ds.GetLayer(0)
    out, bad = [], 0
    for f in lyr:
        cls = f.GetField(field)
        if not 1 <= cls <= 254:
            continue
        g = f.GetGeometryRef()
        if g.GetGeometryType() == ogr.wkbMultiPolygon:
            if g.GetGeometryCount() != 1:
                bad += 1
                continue
            g = g.GetGeometryRef(0)
        rings = []
        for r in range(g.GetGeometryCount()):
            pts = []
            for x, y in g.GetGeometryRef(r).GetPoints():
                px = inv[0] + x * inv[1] + y * inv[2]
                py = inv[3] + x * inv[4] + y * inv[5]
                ix, iy = round(px), round(py)
                ex = gt[0] + ix * gt[1] + iy * gt[2]
                ey = gt[3] + ix * gt[4] + iy * gt[5]
                if abs(px - ix) > 1e-6 or abs(py - iy) > 1e-6 or abs(x - ex) > 1e-9 * abs(gt[1]) or \
                        abs(y - ey) > 1e-9 * abs(gt[5]):
                    bad += 1
                pts.append((ix, iy))
            rings.append(pts)
        attrs = {k: f.GetField(k) for k in ("id", "pixels", "conf_sum", "area_m2", "x0", "y0", "x1", "y1")} \
            if field == "class" else {}
        out.append((signature(cls, rings), attrs))
    return out, bad


def compare(mask, conf, ours_path, ref_path):
    ds = gdal.Open(mask)
    gt = ds.GetGeoTransform()
    inv = gdal.InvGeoTransform(gt)
    W, H = ds.RasterXSize, ds.RasterYSize
    geographic = osr.SpatialReference(wkt=ds.GetProjection()).IsGeographic()
    ours, bad_o = read(ours_path, inv, gt, "class")
    ref, bad_r = read(ref_path, inv, gt, "DN")
    fails = []
    if bad_o or bad_r:
        fails.append("%d / %d vertices off the pixel corners (ours / gdal)" % (bad_o, bad_r))
    co = collections.Counter(s for s, _ in ours)
    cr = collections.Counter(s for s, _ in ref)
    if co != cr:
        only_o, only_r = co - cr, cr - co
        fails.append("%d polygons only in ours, %d only in gdal_polygonize's; e.g. ours %s / gdal %s" % (
            sum(only_o.values()), sum(only_r.values()), str(next(iter(only_o), None))[:300],
            str(next(iter(only_r), None))[:300]))
    # Burn the reference polygons back: the pixels, confidence and box each one covers.
    mem = ogr.GetDriverByName("Memory").CreateDataSource("")
    srs = ds.GetSpatialRef()
    lyr = mem.CreateLayer("ref", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("k", ogr.OFTInteger))
    rds = ogr.Open(ref_path)
    k, sig_of_k = 0, {}
    for f in rds.GetLayer(0):
        if not 1 <= f.GetField("DN") <= 254:
            continue
        k += 1
        nf = ogr.Feature(lyr.GetLayerDefn())
        nf.SetField("k", k)
        nf.SetGeometry(f.GetGeometryRef())
        lyr.CreateFeature(nf)
        sig_of_k[k] = ref[k - 1][0]
    ids_ds = gdal.GetDriverByName("MEM").Create("", W, H, 1, gdal.GDT_Int32)
    ids_ds.SetGeoTransform(gt)
    gdal.RasterizeLayer(ids_ds, [1], lyr, options=["ATTRIBUTE=k"])
    ids = ids_ds.GetRasterBand(1).ReadAsArray().ravel()
    cds = gdal.Open(conf) if conf != "-" else None   # kept open while its band is read
    cv = cds.GetRasterBand(1).ReadAsArray().ravel().astype(np.float64) if cds else None
    n = k + 1
    pix = np.bincount(ids, minlength=n)
    csum = np.bincount(ids, weights=cv, minlength=n) if cv is not None else None
    flat = np.arange(W * H)
    first = np.full(n, W * H, np.int64)
    np.minimum.at(first, ids, flat)
    xs, ys = flat % W, flat // W
    x0 = np.full(n, W); np.minimum.at(x0, ids, xs)
    x1 = np.zeros(n, np.int64); np.maximum.at(x1, ids, xs + 1)
    y0 = np.full(n, H); np.minimum.at(y0, ids, ys)
    y1 = np.zeros(n, np.int64); np.maximum.at(y1, ids, ys + 1)
    k_of_sig = {}
    for kk, s in sig_of_k.items():
        k_of_sig.setdefault(s, []).append(kk)
    px_area = abs(gt[1] * gt[5] - gt[2] * gt[4])
    nbad, order = 0, []
    for s, a in ours:
        ks = k_of_sig.get(s)
        if not ks:
            continue   # reported above
        kk = ks[0]
        want = (int(pix[kk]), -1.0 if csum is None else float(csum[kk]), int(x0[kk]), int(y0[kk]), int(x1[kk]),
                int(y1[kk]))
        got = (a["pixels"], a["conf_sum"], a["x0"], a["y0"], a["x1"], a["y1"])
        ok = want == got and (geographic or abs(a["area_m2"] - pix[kk] * px_area) <= 1e-9 * pix[kk] * px_area)
        if not ok:
            nbad += 1
            if nbad <= 3:
                fails.append("polygon %d (class %d): pixels, conf_sum, box %s, burned reference %s, area %.6f" % (
                    a["id"], s[0], got, want, a["area_m2"]))
        order.append((a["id"], int(first[kk])))
    if nbad:
        fails.append("%d polygons with other attributes than the burned reference" % nbad)
    order.sort()
    if [o[0] for o in order] != list(range(1, len(order) + 1)) or \
            any(order[i][1] >= order[i + 1][1] for i in range(len(order) - 1)):
        fails.append("ids are not 1..n in the raster order of first pixels")
    print("   %s: %d polygons (gdal_polygonize %d), %d rings, %d edges between corners%s" % (
        ours_path.split("/")[-1], len(ours), len(ref),
        sum(len(s[1]) for s, _ in ours), sum(len(e) for s, _ in ours for e in s[1]),
        "" if not fails else "\n   " + "\n   ".join(fails)))
    return 0 if not fails else 1


if __name__ == "__main__":
    if sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
        sys.exit(0)
    sys.exit(compare(*sys.argv[2:6]))
