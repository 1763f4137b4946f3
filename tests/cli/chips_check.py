"""Independent checks of a chips.h5 (docs/formats.md) with h5dump, numpy, GDAL and scikit-image
(Debian's /usr/bin/python3; there is no h5py), for tests/cli/dataset_*.sh.

  chips_check.py CHIPS IMAGE LABELS [--vector FIELD] [--tile T] [--names a,b,c]

LABELS is the class mask raster (compared window by window) or, with --vector, the polygon file,
rasterized here with GDAL after reprojecting to the image's CRS (classes: sorted string values
-> 1..n, or integer values as they are). Checks: shapes; images equal the image's windows;
masks equal the labels' windows (255 where the image is invalid); labels vectors = classes
present; points = one per 8-connected region of each class >= 1, on a pixel of the region;
train and val windows share no pixel; mean / std / class_hist recomputed from the train chips.
Prints one line per check and exits 1 on any failure."""
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from skimage import measure

from chips_h5 import h5_attr, h5_read

gdal.UseExceptions()
fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1


def vector_truth(vec, field, ds):
    """Rasterizes the polygons onto the image's full grid, as GDAL would, with our class rule."""
    src = ogr.Open(vec)
    lyr = src.GetLayer(0)
    fd = lyr.GetLayerDefn().GetFieldDefn(lyr.GetLayerDefn().GetFieldIndex(field))
    is_int = fd.GetType() in (ogr.OFTInteger, ogr.OFTInteger64)
    vals = sorted({f.GetField(field) for f in lyr if f.GetField(field) is not None})
    lyr.ResetReading()
    ids = {v: (int(v) if is_int else i + 1) for i, v in enumerate(vals)}
    dst_srs = osr.SpatialReference(wkt=ds.GetProjection())
    dst_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src_srs = lyr.GetSpatialRef().Clone()
    src_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src_srs, dst_srs) if not src_srs.IsSame(dst_srs) else None
    mem = gdal.GetDriverByName("MEM").Create("", ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Byte)
    mem.SetGeoTransform(ds.GetGeoTransform())
    mem.SetProjection(ds.GetProjection())
    geoms, burns = [], []
    mds = ogr.GetDriverByName("Memory").CreateDataSource("m")
    ml = mds.CreateLayer("l", dst_srs, ogr.wkbUnknown)
    ml.CreateField(ogr.FieldDefn("c", ogr.OFTInteger))
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None:
            continue
        g = g.Clone()
        if ct:
            g.Transform(ct)
        nf = ogr.Feature(ml.GetLayerDefn())
        nf.SetGeometry(g)
        v = f.GetField(field)
        nf.SetField("c", 255 if v is None else ids[v])
        ml.CreateFeature(nf)
    gdal.RasterizeLayer(mem, [1], ml, options=["ATTRIBUTE=c"])
    names = ["background"] + [str(v) for v in vals] if not is_int else None
    return mem.GetRasterBand(1).ReadAsArray(), names


def main():
    args = sys.argv[1:]
    chips, image, labels = args[:3]
    opt = dict(zip(args[3::2], args[4::2]))
    ds = gdal.Open(image)
    W, H = ds.RasterXSize, ds.RasterYSize
    nb = min(ds.RasterCount, 3) if ds.RasterCount != 6 else 3
    bands = [1, 2, 3] if ds.RasterCount in (3, 4) else ([3, 2, 1] if ds.RasterCount >= 4 else [1])
    img = np.dstack([ds.GetRasterBand(b).ReadAsArray() for b in bands])
    valid = ds.GetRasterBand(bands[0]).GetMaskBand().ReadAsArray() != 0
    if "--vector" in opt:
        truth, names = vector_truth(labels, opt["--vector"], ds)
    else:
        tds = gdal.Open(labels)
        truth = tds.GetRasterBand(1).ReadAsArray()
        tvalid = tds.GetRasterBand(1).GetMaskBand().ReadAsArray() != 0
        truth = np.where(tvalid, truth, 255)
        names = None
    K = int(h5_attr(chips, "/classes")[0])
    truth = np.where(valid & (truth < K), truth, 255).astype(np.uint8)
    T = int(h5_attr(chips, "/tile")[0])
    C = int(h5_attr(chips, "/channels")[0])
    check(C == len(bands), f"channels {C} == {len(bands)}")
    cnames = h5_attr(chips, "/class_names")
    if names:
        check(cnames[:len(names)] == names, f"class names {cnames} start with {names}")
    cover = {}
    stats = {}
    total = {}
    for split in ("train", "val"):
        ims = h5_read(chips, f"/{split}/images", np.uint8)
        mks = h5_read(chips, f"/{split}/masks", np.uint8)
        lbs = h5_read(chips, f"/{split}/labels", np.uint8)
        org = h5_read(chips, f"/{split}/origin", np.int32)
        pts = h5_read(chips, f"/{split}/points", np.int32)
        N = ims.shape[0]
        total[split] = N
        check(ims.shape == (N, T, T, C) and mks.shape == (N, T, T) and lbs.shape == (N, K) and org.shape == (N, 3)
              and pts.shape[1:] == (4,), f"/{split} shapes {ims.shape} {mks.shape} {lbs.shape} {org.shape} {pts.shape}")
        cov = np.zeros((H, W), bool)
        bad_img = bad_mask = bad_lab = bad_pts = 0
        npts_expected = 0
        for i in range(N):
            s, x, y = org[i]
            cov[y:y + T, x:x + T] = True
            wimg = np.where(valid[y:y + T, x:x + T, None], img[y:y + T, x:x + T], 0)
            bad_img += not np.array_equal(ims[i], wimg)
            bad_mask += not np.array_equal(mks[i], truth[y:y + T, x:x + T])
            present = np.zeros(K, np.uint8)
            present[np.unique(mks[i][mks[i] < K])] = 1
            bad_lab += not np.array_equal(lbs[i], present)
            p = pts[pts[:, 0] == i]
            n = 0
            for k in range(1, K):
                lab, nk = measure.label(mks[i] == k, connectivity=2, return_num=True)
                n += nk
                pk = p[p[:, 3] == k]
                if len(pk) != nk or len({lab[r, c] for _, r, c, _ in pk}) != nk or any(mks[i][r, c] != k for _, r, c, _ in pk):
                    bad_pts += 1
            npts_expected += n
        check(bad_img == 0, f"/{split}: images equal the image windows ({bad_img} of {N} differ)")
        check(bad_mask == 0, f"/{split}: masks equal the labels' windows ({bad_mask} of {N} differ)")
        check(bad_lab == 0, f"/{split}: multi-label vectors = classes present ({bad_lab} differ)")
        check(bad_pts == 0 and len(pts) == npts_expected,
              f"/{split}: {len(pts)} points = {npts_expected} connected regions, one on each ({bad_pts} chips differ)")
        cover[split] = cov
        if split == "train":
            v = valid.copy()
            sel = np.zeros((0, C))
            sums = np.zeros(C)
            sq = np.zeros(C)
            cnt = 0
            hist = np.zeros(K, np.int64)
            for i in range(N):
                s, x, y = org[i]
                vv = valid[y:y + T, x:x + T]
                px = ims[i][vv].astype(np.float64)
                sums += px.sum(0)
                sq += (px * px).sum(0)
                cnt += len(px)
                hist += np.bincount(mks[i][mks[i] < K], minlength=K)
            stats = (sums / cnt, np.sqrt(sq / cnt - (sums / cnt) ** 2), hist)
    check(total["train"] > 0 and total["val"] > 0, f"both splits have chips (train {total['train']}, val {total['val']})")
    check(not (cover["train"] & cover["val"]).any(), "train and val windows share no pixel")
    mean = np.array(h5_attr(chips, "/mean"))
    std = np.array(h5_attr(chips, "/std"))
    hist = np.array(h5_attr(chips, "/class_hist"), np.int64)
    check(np.allclose(mean, stats[0], rtol=1e-5) and np.allclose(std, stats[1], rtol=1e-4),
          f"mean {mean} / std {std} equal the train chips' {stats[0]} / {stats[1]}")
    check(np.array_equal(hist, stats[2]), f"class_hist {hist.tolist()} = train mask histogram")
    if "--expect-k" in opt:
        check(K == int(opt["--expect-k"]), f"classes {K} == {opt['--expect-k']}")
    sys.exit(1 if fails else 0)


main()
