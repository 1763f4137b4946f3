#!/usr/bin/python3
"""PyTorch reference dump for tests/unit/test_nn_torch.c (llm.c's train_gpt2.py in spirit):
for every engine op and loss, deterministic inputs, the output and every gradient of
L = sum(out * dout); optimizer and schedule trajectories; and a 10-step training run of a tiny
conv net with SGD and with AdamW. Torch computes in float64 from float32 inputs (the truth to
hold both our f32 backends against); everything is stored as float32, in our layouts (NHWC
activations, conv weights (K,R,S,C/groups)). Run by Debian's /usr/bin/python3 (python3-torch).

    nn_ref.py OUT.bin        write the dump (exit 77 when torch cannot be imported)
    nn_ref.py --bench        time PyTorch's conv 3x3 64->64 on 8x64x64x64 (channels_last, f32,
                             2 threads), forward and forward+backward, for test_nn_ops --bench

File (little-endian): b"SWNNREF\\0", u32 version, u32 ncase; per case: i32 name length, name,
i32 kind, i32 iparam[16], f32 fparam[8], i32 ntensor, then per tensor: i32 name length, name,
i32 ndim, i32 dims[ndim], f32 data. Kinds and their tensors are listed in KINDS below and in
test_nn_torch.c.
"""
import os
import struct
import sys

VERSION = 1
MAGIC = b"SWNNREF\0"
KINDS = dict(CONV=1, DECONV=2, BN_TRAIN=3, BN_EVAL=4, MAXPOOL=5, AVGPOOL=6, RELU=7, LEAKY=8,
             SIGMOID=9, NEAREST=10, BILINEAR=11, CONCAT=12, ADD=13, GAP=14, LINEAR=15,
             SOFTMAX=16, CE=20, BCE=21, FOCAL=22, DICE=23, IOU=24, OPTIM=30, SCHED=31, TRAJ=40)


class Dump:
    def __init__(self):
        self.cases = []

    def add(self, kind, name, iparam, fparam, tensors):
        import numpy as np
        ip = list(iparam) + [0] * (16 - len(iparam))
        fp = list(fparam) + [0.0] * (8 - len(fparam))
        nb = name.encode()
        parts = [struct.pack("<i", len(nb)), nb, struct.pack("<i16i8fi", KINDS[kind], *ip, *fp,
                                                             len(tensors))]
        for tname, arr in tensors:
            a = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
            tb = tname.encode()
            parts += [struct.pack("<i", len(tb)), tb, struct.pack("<i", a.ndim),
                      struct.pack("<%di" % a.ndim, *a.shape), a.tobytes()]
        self.cases.append(b"".join(parts))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(MAGIC + struct.pack("<II", VERSION, len(self.cases)))
            for c in self.cases:
                f.write(c)


def bench():
    import time
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(2)
    torch.manual_seed(0)
    x = torch.randn(8, 64, 64, 64).to(memory_format=torch.channels_last).requires_grad_()
    w = torch.randn(64, 64, 3, 3).to(memory_format=torch.channels_last).requires_grad_()
    b = torch.randn(64, requires_grad=True)
    dy = torch.randn(8, 64, 64, 64).to(memory_format=torch.channels_last)
    flop = 2.0 * 8 * 64 * 64 * 64 * 64 * 9
    for label, memfmt in (("channels_last", torch.channels_last),
                          ("NCHW", torch.contiguous_format)):
        xx = x.detach().to(memory_format=memfmt).requires_grad_()
        ww = w.detach().to(memory_format=memfmt).requires_grad_()
        dd = dy.to(memory_format=memfmt)
        best_f = best_fb = 1e30
        for rep in range(11):
            t0 = time.perf_counter()
            with torch.no_grad():
                F.conv2d(xx, ww, b, padding=1)
            t1 = time.perf_counter()
            y = F.conv2d(xx, ww, b, padding=1)
            y.backward(dd)
            t2 = time.perf_counter()
            if rep:  # the first is warm-up
                best_f, best_fb = min(best_f, t1 - t0), min(best_fb, t2 - t1)
        print("conv 3x3 64->64 8x64x64 torch %-13s fwd %8.2f ms %7.1f GFLOP/s   fwd+bwd %8.2f ms "
              "%7.1f GFLOP/s" % (label, best_f * 1e3, flop / best_f * 1e-9, best_fb * 1e3,
                                 3 * flop / best_fb * 1e-9))
    return 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--bench":
        return bench()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        if os.path.exists(sys.argv[1]):
            os.remove(sys.argv[1])  # no stale dump: the C test then skips too
        print("nn_ref.py: skipped, %s cannot import torch (%s); install python3-torch"
              % (sys.executable, e))
        return 77
    torch.set_num_threads(2)
    rs = np.random.RandomState(20261122)
    D = Dump()

    def u(shape, lo=-1.0, hi=1.0):
        return rs.uniform(lo, hi, size=shape).astype(np.float32)

    def t(a):  # float32 values, float64 compute, with gradient
        return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)

    def npf(x):
        return x.detach().numpy().astype(np.float32)

    def nhwc(x):  # torch NCHW -> numpy NHWC
        return npf(x.permute(0, 2, 3, 1))

    def nchw(a):  # numpy NHWC -> torch NCHW leaf
        return t(np.transpose(a, (0, 3, 1, 2)))

    # ---------------------------------------------------------------- convolutions
    conv_cases = [  # N, H, W, C, K, R, stride, pad, dil, groups, bias
        (2, 7, 6, 5, 4, 3, 1, 1, 1, 1, 1), (2, 9, 8, 4, 6, 3, 2, 1, 2, 1, 0),
        (2, 6, 6, 4, 6, 3, 1, 1, 1, 2, 1), (1, 8, 8, 4, 4, 3, 1, 1, 1, 4, 1),
        (1, 12, 11, 3, 4, 7, 2, 3, 1, 1, 0), (1, 9, 9, 4, 4, 3, 1, 4, 4, 1, 1),
        (2, 8, 8, 4, 6, 1, 2, 0, 1, 1, 0), (1, 8, 7, 3, 4, 3, 2, 1, 1, 1, 1)]
    for N, H, W, C, K, R, s, p, dl, g, b in conv_cases:
        xi, wi, bi = u((N, H, W, C)), u((K, R, R, C // g), -0.5, 0.5), u((K,), -0.5, 0.5)
        x, w, bb = nchw(xi), t(np.transpose(wi, (0, 3, 1, 2))), t(bi)
        y = F.conv2d(x, w, bb if b else None, stride=s, padding=p, dilation=dl, groups=g)
        dy = u(tuple(y.permute(0, 2, 3, 1).shape))
        (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
        D.add("CONV", "conv2d %dx%dx%dx%d->%d k%d s%d p%d d%d g%d" % (N, H, W, C, K, R, s, p, dl, g),
              [N, H, W, C, K, R, s, p, dl, g, b, 0], [],
              [("inp", xi), ("weight", wi), ("bias", bi), ("dout", dy), ("out", nhwc(y)),
               ("dinp", nhwc(x.grad)), ("dweight", npf(w.grad.permute(0, 2, 3, 1))),
               ("dbias", npf(bb.grad) if b else np.zeros(K, np.float32))])

    deconv_cases = [  # N, H, W, C, K, R, stride, pad, dil, groups, bias, out_pad
        (2, 4, 5, 6, 3, 4, 2, 1, 1, 1, 1, 0), (1, 4, 4, 4, 4, 3, 2, 1, 1, 1, 0, 1),
        (2, 5, 5, 4, 6, 3, 1, 1, 2, 2, 1, 0)]
    for N, H, W, C, K, R, s, p, dl, g, b, op in deconv_cases:
        Cg, Kg = C // g, K // g
        xi, bi = u((N, H, W, C)), u((K,), -0.5, 0.5)
        wt_np = u((C, Kg, R, R), -0.5, 0.5)  # torch layout
        wi = wt_np.reshape(g, Cg, Kg, R, R).transpose(0, 2, 3, 4, 1).reshape(K, R, R, Cg)
        x, w, bb = nchw(xi), t(wt_np), t(bi)
        y = F.conv_transpose2d(x, w, bb if b else None, stride=s, padding=p, output_padding=op,
                               groups=g, dilation=dl)
        dy = u(tuple(y.permute(0, 2, 3, 1).shape))
        (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
        dw = npf(w.grad).reshape(g, Cg, Kg, R, R).transpose(0, 2, 3, 4, 1).reshape(K, R, R, Cg)
        D.add("DECONV", "conv_transpose2d %dx%dx%dx%d->%d k%d s%d p%d d%d g%d op%d"
              % (N, H, W, C, K, R, s, p, dl, g, op), [N, H, W, C, K, R, s, p, dl, g, b, op], [],
              [("inp", xi), ("weight", wi), ("bias", bi), ("dout", dy), ("out", nhwc(y)),
               ("dinp", nhwc(x.grad)), ("dweight", dw),
               ("dbias", npf(bb.grad) if b else np.zeros(K, np.float32))])

    # ---------------------------------------------------------------- batch norm
    for training in (1, 0):
        N, H, W, C = 2, 5, 4, 6
        xi = u((N, H, W, C), -1, 2)
        gi, bi = u((C,), 0.5, 1.5), u((C,), -0.5, 0.5)
        rmi, rvi = u((C,), -0.2, 0.2), u((C,), 0.5, 1.5)
        x, gm, bt = nchw(xi), t(gi), t(bi)
        rm, rv = torch.tensor(rmi, dtype=torch.float64), torch.tensor(rvi, dtype=torch.float64)
        y = F.batch_norm(x, rm, rv, gm, bt, training=bool(training), momentum=0.1, eps=1e-5)
        dy = u((N, H, W, C))
        tens = [("inp", xi), ("gamma", gi), ("beta", bi), ("running_mean", rmi),
                ("running_var", rvi), ("dout", dy), ("out", nhwc(y))]
        (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
        tens += [("dinp", nhwc(x.grad)), ("dgamma", npf(gm.grad)), ("dbeta", npf(bt.grad))]
        if training:
            tens += [("running_mean_after", npf(rm)), ("running_var_after", npf(rv))]
        D.add("BN_TRAIN" if training else "BN_EVAL",
              "batchnorm %s %dx%dx%dx%d" % ("train" if training else "eval", N, H, W, C),
              [N * H * W, C], [0.1, 1e-5], tens)

    # ---------------------------------------------------------------- pooling
    for kind, (N, H, W, C, R, s, p) in [("MAXPOOL", (2, 9, 8, 3, 3, 2, 1)),
                                         ("MAXPOOL", (1, 8, 8, 4, 2, 2, 0)),
                                         ("MAXPOOL", (1, 7, 7, 2, 2, 2, 0)),
                                         ("AVGPOOL", (2, 9, 8, 3, 3, 2, 1)),
                                         ("AVGPOOL", (1, 8, 6, 4, 2, 2, 0))]:
        if kind == "MAXPOOL":  # distinct values, no ties
            xi = rs.permutation(N * H * W * C).astype(np.float32).reshape(N, H, W, C) * 0.05
        else:
            xi = u((N, H, W, C))
        x = nchw(xi)
        y = (F.max_pool2d if kind == "MAXPOOL" else F.avg_pool2d)(x, R, s, p)
        dy = u(tuple(y.permute(0, 2, 3, 1).shape))
        (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
        D.add(kind, "%s %dx%dx%dx%d k%d s%d p%d" % (kind.lower(), N, H, W, C, R, s, p),
              [N, H, W, C, R, s, p], [],
              [("inp", xi), ("dout", dy), ("out", nhwc(y)), ("dinp", nhwc(x.grad))])

    # ---------------------------------------------------------------- elementwise
    for kind in ("RELU", "LEAKY", "SIGMOID"):
        xi = u((2, 5, 7, 3), -2, 2)
        xi[np.abs(xi) < 0.05] = 0.3
        x = t(xi)
        y = {"RELU": F.relu, "SIGMOID": torch.sigmoid,
             "LEAKY": lambda v: F.leaky_relu(v, 0.1)}[kind](x)
        dy = u(xi.shape)
        (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
        D.add(kind, kind.lower() + " n=210", [xi.size], [0.1],
              [("inp", xi), ("dout", dy), ("out", npf(y)), ("dinp", npf(x.grad))])

    for kind, mode in (("NEAREST", "nearest"), ("BILINEAR", "bilinear")):
        for OH, OW in ((6, 8), (7, 5), (16, 16)):
            N, H, W, C = 2, 3, 4, 3
            xi = u((N, H, W, C))
            x = nchw(xi)
            if mode == "nearest":
                y = F.interpolate(x, size=(OH, OW), mode="nearest")
            else:
                y = F.interpolate(x, size=(OH, OW), mode="bilinear", align_corners=False)
            dy = u((N, OH, OW, C))
            (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
            D.add(kind, "upsample_%s %dx%d -> %dx%d" % (mode, H, W, OH, OW), [N, H, W, C, OH, OW],
                  [], [("inp", xi), ("dout", dy), ("out", nhwc(y)), ("dinp", nhwc(x.grad))])

    ai, bi = u((2, 3, 5, 4)), u((2, 3, 5, 3))
    a, b = nchw(ai), nchw(bi)
    y = torch.cat([a, b], dim=1)
    dy = u((2, 3, 5, 7))
    (y * torch.tensor(np.transpose(dy, (0, 3, 1, 2)), dtype=torch.float64)).sum().backward()
    D.add("CONCAT", "concat 2x3x5 4+3", [30, 4, 3], [],
          [("a", ai), ("b", bi), ("dout", dy), ("out", nhwc(y)), ("da", nhwc(a.grad)),
           ("db", nhwc(b.grad))])

    ai, bi, dy = u((90,)), u((90,)), u((90,))
    a, b = t(ai), t(bi)
    y = a + b
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    D.add("ADD", "residual add n=90", [90], [],
          [("a", ai), ("b", bi), ("dout", dy), ("out", npf(y)), ("da", npf(a.grad)),
           ("db", npf(b.grad))])

    xi = u((2, 4, 5, 6))
    x = nchw(xi)
    y = F.adaptive_avg_pool2d(x, 1).flatten(1)
    dy = u((2, 6))
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    D.add("GAP", "global_avgpool 2x4x5x6", [2, 20, 6], [],
          [("inp", xi), ("dout", dy), ("out", npf(y)), ("dinp", nhwc(x.grad))])

    xi, wi, bi, dy = u((4, 10)), u((6, 10), -0.5, 0.5), u((6,)), u((4, 6))
    x, w, bb = t(xi), t(wi), t(bi)
    y = F.linear(x, w, bb)
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    D.add("LINEAR", "linear 4x10 -> 6", [4, 10, 6], [],
          [("inp", xi), ("weight", wi), ("bias", bi), ("dout", dy), ("out", npf(y)),
           ("dinp", npf(x.grad)), ("dweight", npf(w.grad)), ("dbias", npf(bb.grad))])

    xi, dy = u((12, 5), -3, 3), u((12, 5))
    x = t(xi)
    y = torch.softmax(x, dim=1)
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    D.add("SOFTMAX", "softmax 12x5", [12, 5], [],
          [("inp", xi), ("dout", dy), ("out", npf(y)), ("dinp", npf(x.grad))])

    # ---------------------------------------------------------------- losses
    P, K = 2 * 6 * 5, 5
    zi = u((P, K), -3, 3)
    tgt = rs.randint(0, K, size=P)
    tgt[rs.uniform(size=P) < 0.15] = 255
    cw = u((K,), 0.5, 2.0)
    valid = tgt != 255

    def onehot():
        oh = np.zeros((P, K))
        oh[np.arange(P)[valid], tgt[valid]] = 1.0
        return torch.tensor(oh)

    def region(z, iou, smooth=1.0):
        s = torch.softmax(z, dim=1) * torch.tensor(valid[:, None].astype(np.float64))
        tt = onehot()
        inter, ssum, tsum = (s * tt).sum(0), s.sum(0), tt.sum(0)
        w = torch.tensor(cw, dtype=torch.float64)
        if iou:
            score = (inter + smooth) / (ssum + tsum - inter + smooth)
        else:
            score = (2 * inter + smooth) / (ssum + tsum + smooth)
        return 1 - (w * score).sum() / w.sum()

    def focal(z, gamma=2.0):
        ls = torch.log_softmax(z, dim=1)[valid]
        y = torch.tensor(tgt[valid], dtype=torch.long)
        lp = ls.gather(1, y[:, None])[:, 0]
        w = torch.tensor(cw, dtype=torch.float64)[y]
        return -(w * (1 - lp.exp()) ** gamma * lp).sum() / w.sum()

    losses = [("CE", "cross_entropy weighted ignore=255",
               lambda z: F.cross_entropy(z, torch.tensor(tgt, dtype=torch.long),
                                         weight=torch.tensor(cw, dtype=torch.float64),
                                         ignore_index=255), 0.0),
              ("FOCAL", "focal gamma=2 weighted", focal, 2.0),
              ("DICE", "dice weighted smooth=1", lambda z: region(z, False), 1.0),
              ("IOU", "soft_iou weighted smooth=1", lambda z: region(z, True), 1.0)]
    for kind, name, fn, fpar in losses:
        z = t(zi)
        loss = fn(z)
        loss.backward()
        D.add(kind, name, [P, K], [fpar],
              [("logits", zi), ("target", tgt.astype(np.float32)), ("class_weight", cw),
               ("loss", np.array([loss.item()], np.float32)), ("dlogits", npf(z.grad))])
    zi, ti = u((12, 6), -3, 3), u((12, 6), 0, 1)
    z = t(zi)
    loss = F.binary_cross_entropy_with_logits(z, torch.tensor(ti, dtype=torch.float64))
    loss.backward()
    D.add("BCE", "bce_with_logits 12x6", [12, 6], [],
          [("logits", zi), ("target", ti), ("loss", np.array([loss.item()], np.float32)),
           ("dlogits", npf(z.grad))])

    # ---------------------------------------------------------------- optimizers, schedules
    steps, n = 5, 37
    p0 = u((n,))
    grads = u((steps, n))
    opts = [(0, "sgd momentum=0.9 wd=1e-2", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9,
                                                                     weight_decay=1e-2),
             [0.1, 0.9, 0.0, 0.0, 1e-2]),
            (0, "sgd plain", lambda ps: torch.optim.SGD(ps, lr=0.05), [0.05, 0.0, 0.0, 0.0, 0.0]),
            (1, "adam wd=1e-2", lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.999),
                                                            eps=1e-8, weight_decay=1e-2),
             [1e-2, 0.9, 0.999, 1e-8, 1e-2]),
            (2, "adamw wd=0.1", lambda ps: torch.optim.AdamW(ps, lr=1e-2, betas=(0.8, 0.99),
                                                             eps=1e-6, weight_decay=0.1),
             [1e-2, 0.8, 0.99, 1e-6, 0.1])]
    for which, name, make, fp in opts:
        p = torch.tensor(p0.astype(np.float64), requires_grad=True)
        opt = make([p])
        traj = []
        for k in range(steps):
            p.grad = torch.tensor(grads[k].astype(np.float64))
            opt.step()
            traj.append(npf(p))
        D.add("OPTIM", name, [which, steps, n], fp,
              [("params", p0), ("grads", grads), ("trajectory", np.stack(traj))])

    T = 11  # up to and including the cosine T_max (PyTorch restarts the cosine after it)
    sched = [(0, "step size=4 gamma=0.5", lambda o: torch.optim.lr_scheduler.StepLR(o, 4, 0.5),
              [4, 0.5, 0.0]),
             (1, "cosine T=10 min=1e-3",
              lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10, 1e-3), [10, 1e-3, 0.0]),
             (2, "linear warm-up 5 from 0.1",
              lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.1, 1.0, 5), [5, 0.1, 0.0])]
    for which, name, make, fp in sched:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        sc = make(opt)
        lrs = []
        for k in range(T):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sc.step()
        D.add("SCHED", "schedule " + name, [which, T, int(fp[0])], [0.1, fp[1]],
              [("lr", np.array(lrs, np.float32))])

    # ---------------------------------------------------------------- tiny net trajectory
    # conv1 3x3 (3->8, bias) -> BN -> ReLU (a1) -> maxpool 2 -> conv2 3x3 (8->8, no bias)
    # -> ReLU -> bilinear x2 -> concat(a1, .) (16) -> conv3 1x1 (16->4, bias) -> CE(ignore 255)
    N, H, W, Cin, NC = 2, 8, 8, 3, 4
    xi = u((N, H, W, Cin))
    tg = rs.randint(0, NC, size=(N, H, W))
    tg[rs.uniform(size=(N, H, W)) < 0.1] = 255
    init = dict(conv1_w=u((8, 3, 3, 3), -0.3, 0.3), conv1_b=u((8,), -0.1, 0.1),
                bn_g=u((8,), 0.8, 1.2), bn_b=u((8,), -0.1, 0.1),
                conv2_w=u((8, 3, 3, 8), -0.2, 0.2),
                conv3_w=u((4, 1, 1, 16), -0.3, 0.3), conv3_b=u((4,), -0.1, 0.1))
    for oi, (oname, fp) in enumerate((("sgd", [0.1, 0.9, 0.0, 0.0, 1e-4]),
                                      ("adamw", [1e-2, 0.9, 0.999, 1e-8, 1e-2]))):
        prm = {}
        for k, v in init.items():
            a = np.transpose(v, (0, 3, 1, 2)) if v.ndim == 4 else v
            prm[k] = torch.tensor(a.astype(np.float64), requires_grad=True)
        rm, rv = torch.zeros(8, dtype=torch.float64), torch.ones(8, dtype=torch.float64)
        ps = list(prm.values())
        if oname == "sgd":
            opt = torch.optim.SGD(ps, lr=fp[0], momentum=fp[1], weight_decay=fp[4])
        else:
            opt = torch.optim.AdamW(ps, lr=fp[0], betas=(fp[1], fp[2]), eps=fp[3],
                                    weight_decay=fp[4])
        x = torch.tensor(np.transpose(xi, (0, 3, 1, 2)).astype(np.float64))
        y = torch.tensor(tg, dtype=torch.long)
        losses = []
        for step in range(10):
            opt.zero_grad()
            a1 = F.relu(F.batch_norm(F.conv2d(x, prm["conv1_w"], prm["conv1_b"], padding=1), rm,
                                     rv, prm["bn_g"], prm["bn_b"], training=True, momentum=0.1,
                                     eps=1e-5))
            a2 = F.relu(F.conv2d(F.max_pool2d(a1, 2, 2), prm["conv2_w"], None, padding=1))
            up = F.interpolate(a2, size=(H, W), mode="bilinear", align_corners=False)
            logits = F.conv2d(torch.cat([a1, up], 1), prm["conv3_w"], prm["conv3_b"])
            loss = F.cross_entropy(logits, y, ignore_index=255)
            loss.backward()
            losses.append(loss.item())
            opt.step()
        D.add("TRAJ", "tiny net 10 steps " + oname, [oi, N, H, W, Cin, NC, 10], fp,
              [("inp", xi), ("target", tg.astype(np.float32))] +
              [(k, v) for k, v in init.items()] + [("losses", np.array(losses, np.float32))])

    D.write(sys.argv[1])
    print("nn_ref.py: wrote %d cases to %s" % (len(D.cases), sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
