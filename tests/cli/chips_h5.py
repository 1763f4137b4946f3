"""Reads chips.h5 datasets and root attributes with h5dump (Debian's python3 has no h5py), for
the tests of swath dataset build and swath eval --chips."""
import re
import subprocess
import tempfile

import numpy as np


def h5_shape(path, name):
    out = subprocess.run(["h5dump", "-H", "-d", name, path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"DATASPACE\s+SIMPLE \{ \( ([0-9, ]+) \)", out)
    return tuple(int(v) for v in m.group(1).split(","))


def h5_read(path, name, dtype):
    shape = h5_shape(path, name)
    if 0 in shape:
        return np.zeros(shape, dtype)
    with tempfile.NamedTemporaryFile(suffix=".bin") as t:
        subprocess.run(["h5dump", "-d", name, "-b", "LE", "-o", t.name, path], capture_output=True, check=True)
        return np.fromfile(t.name, dtype).reshape(shape)


def h5_attr(path, name):
    out = subprocess.run(["h5dump", "-m", "%.9g", "-a", name, path], capture_output=True, text=True,
                         check=True).stdout
    data = out.split("DATA {", 1)[1].rsplit("}", 2)[0]
    strs = re.findall(r'"([^"]*)"', data)
    if strs:
        return strs
    return [float(v) for v in re.findall(r"(?<=[ ,:])\s*(-?[0-9.eE+-]+)(?=,|\s*$)", re.sub(r"\(\d+\):", " ", data),
                                         re.M)]
