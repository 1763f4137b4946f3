#!/usr/bin/python3
"""PyTorch reference dump of the engine's models for tests/unit/test_nn_models.c (llm.c's
train_gpt2.py in spirit). For each architecture of src/nn/models (UNet, the seed 002 ResNet-18/34/50
encoder + deconvolution decoder, the ResNet-18/34/50 multi-label classifier) it builds the same
network in PyTorch with the same parameter names (torchvision's for the encoder), deterministic
weights (PyTorch's default init from a fixed seed, BN statistics randomized), rounded to float32
and computed in float64, then dumps in our layouts (NHWC activations, conv weights (K,R,S,C),
ConvTranspose (C,K,R,S) -> (K,R,S,C)):
  ARCH/config        N, H, W, in_ch, classes, depth, width, task (0 segment, 1 classify)
  ARCH/nparams       trainable parameter count
  ARCH/param/NAME    every parameter;  ARCH/buffer/NAME  every BN running statistic
  ARCH/x, ARCH/target  a batch (targets: class ids with 255 ignored, or 0/1 labels)
  ARCH/eval_out      logits in eval mode (running statistics)
  ARCH/out, ARCH/loss, ARCH/grad/NAME, ARCH/buffer_after/NAME
                     train mode: logits, loss (CE ignore 255 / BCE with logits), every
                     parameter gradient, the running statistics after the forward
  ARCH/opt           SGD lr, momentum, wd; AdamW lr, beta1, beta2, eps, wd
  ARCH/traj_sgd, ARCH/traj_adamw   10-step loss trajectories on the same batch
  ARCH/f32_err       PyTorch's own float32 run against its float64 one (scaled max difference):
                     of the gradients, of the SGD and of the AdamW trajectory
  count/I, count/I/arch/ARCH   in_ch, classes, depth, width, parameter count (// 65536,
                     % 65536) of a full-size
                     configuration (the counts `swath model summary` prints)

    nn_models_ref.py OUT.bin     write the dump (exit 77 when torch cannot be imported)
    nn_models_ref.py --bench THREADS   images/s of forward+backward, batch 8 of 256x256x3, UNet
                                 (depth 4, width 32) and resnet34-seg, f32 channels_last

File (little-endian): b"SWNNMOD\\0", u32 version, u32 count, then per tensor: i32 name length,
name, i32 ndim, i32 dims[ndim], f32 data.
"""
import os
import struct
import sys

VERSION = 1
MAGIC = b"SWNNMOD\0"
N, H, W = 2, 64, 64
OPT = [0.01, 0.9, 1e-4, 1e-3, 0.9, 0.999, 1e-8, 1e-2]
STEPS = 10


def build_classes():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class DoubleConv(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, x):
            return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))

    class UNet(nn.Module):
        def __init__(self, in_ch, classes, depth, width):
            super().__init__()
            self.enc = nn.ModuleList([DoubleConv(in_ch if l == 0 else width << (l - 1),
                                                 width << l) for l in range(depth)])
            self.up = nn.ModuleList([nn.ConvTranspose2d(width << (l + 1), width << l, 2, 2)
                                     for l in range(depth - 1)])
            self.dec = nn.ModuleList([DoubleConv(2 * (width << l), width << l)
                                      for l in range(depth - 1)])
            self.head = nn.Conv2d(width, classes, 1)

        def forward(self, x):
            skips = []
            for l, e in enumerate(self.enc):
                x = e(x)
                if l < len(self.enc) - 1:
                    skips.append(x)
                    x = F.max_pool2d(x, 2)
            for l in reversed(range(len(self.up))):
                x = self.dec[l](torch.cat([skips[l], self.up[l](x)], 1))
            return self.head(x)

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(out + (self.downsample(x) if self.downsample is not None else x))

    class Bottleneck(nn.Module):  # torchvision's (stride on the 3x3), expansion 4
        def __init__(self, cin, planes, stride):
            super().__init__()
            cout = 4 * planes
            self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
            out = self.bn3(self.conv3(out))
            return F.relu(out + (self.downsample(x) if self.downsample is not None else x))

    class Encoder(nn.Module):  # torchvision's resnet layout, attributes on the model itself
        def make_encoder(self, in_ch, depth, width):
            blocks = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3]}[depth]
            exp = 4 if depth == 50 else 1
            self.conv1 = nn.Conv2d(in_ch, width, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            c = width
            for s in range(4):
                k = width << s
                layer = []
                for i in range(blocks[s]):
                    stride = 2 if s > 0 and i == 0 else 1
                    layer.append(Bottleneck(c, k, stride) if exp == 4 else BasicBlock(c, k, stride))
                    c = k * exp
                setattr(self, "layer%d" % (s + 1), nn.Sequential(*layer))

        def encode(self, x):
            e0 = F.relu(self.bn1(self.conv1(x)))
            e1 = self.layer1(F.max_pool2d(e0, 3, 2, 1))
            e2 = self.layer2(e1)
            e3 = self.layer3(e2)
            return [e0, e1, e2, e3, self.layer4(e3)]

    class DecBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.deconv = nn.ConvTranspose2d(cin, cout, 4, 2, 1)
            self.bn0 = nn.BatchNorm2d(cout)
            self.conv1 = nn.Conv2d(cout, cout, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, x):
            x = F.relu(self.bn0(self.deconv(x)))
            x = F.relu(self.bn1(self.conv1(x)))
            return F.relu(self.bn2(self.conv2(x)))

    class ResNetSeg(Encoder):  # seed 002, the port's encoder_decoder_resnet
        def __init__(self, in_ch, classes, depth, width=64):
            super().__init__()
            self.make_encoder(in_ch, depth, width)
            w = width  # the port: num_feats [256, 128, 64, 64, 64] at width 64, deeper
            nf, ch = [4 * w, 2 * w, w, w, w], [w, w, 2 * w, 4 * w, 8 * w]  # [1024, 512, 256, 64, 64]
            if depth > 34:
                nf, ch = [16 * w, 8 * w, 4 * w, w, w], [w, 4 * w, 8 * w, 16 * w, 32 * w]
            cins = [ch[4]] + [nf[k - 1] + ch[4 - k] for k in range(1, 5)]
            self.dec = nn.ModuleList([DecBlock(cins[k], nf[k]) for k in range(5)])
            self.head = nn.Conv2d(w, classes, 1)

        def forward(self, x):
            e = self.encode(x)
            y = self.dec[0](e[4])
            for k in range(1, 5):
                y = self.dec[k](torch.cat([y, e[4 - k]], 1))
            return self.head(F.relu(y))

    class ResNetCls(Encoder):
        def __init__(self, in_ch, classes, depth, width=64):
            super().__init__()
            self.make_encoder(in_ch, depth, width)
            self.fc = nn.Linear((32 if depth == 50 else 8) * width, classes)

        def forward(self, x):
            return self.fc(F.adaptive_avg_pool2d(self.encode(x)[4], 1).flatten(1))

    return UNet, ResNetSeg, ResNetCls


# arch, in_ch, classes, depth, width: the ResNets at a quarter of torchvision's width (16 for 64)
# keep the dump small (every code path is the same); full-width parameter counts are in COUNTS
MODELS = [("unet", 3, 5, 4, 16), ("resnet18-seg", 4, 5, 18, 16), ("resnet34-seg", 3, 5, 34, 16),
          ("resnet18-cls", 3, 9, 18, 16), ("resnet34-cls", 4, 9, 34, 16),
          ("resnet50-seg", 3, 5, 50, 8), ("resnet50-cls", 3, 9, 50, 8)]
COUNTS = [("unet", 3, 11, 4, 32), ("unet", 3, 11, 5, 64), ("resnet18-seg", 3, 11, 18, 64),
          ("resnet34-seg", 3, 11, 34, 64), ("resnet18-cls", 3, 11, 18, 64),
          ("resnet34-cls", 3, 11, 34, 64), ("resnet50-seg", 3, 11, 50, 64),
          ("resnet50-cls", 3, 11, 50, 64)]


def make(arch, in_ch, classes, depth, width):
    UNet, ResNetSeg, ResNetCls = build_classes()
    if arch == "unet":
        return UNet(in_ch, classes, depth, width)
    return (ResNetSeg if arch.endswith("-seg") else ResNetCls)(in_ch, classes, depth, width)


def our_layout(model):
    """{state_dict name: function torch tensor -> numpy float32 in our layout}"""
    import numpy as np
    import torch.nn as nn
    conv = {}
    for mname, mod in model.named_modules():
        if isinstance(mod, nn.ConvTranspose2d):
            conv[mname + ".weight"] = (1, 2, 3, 0)
        elif isinstance(mod, nn.Conv2d):
            conv[mname + ".weight"] = (0, 2, 3, 1)

    def f(name, t):
        a = t.detach().cpu().numpy().astype(np.float32)
        return np.ascontiguousarray(np.transpose(a, conv[name])) if name in conv else a
    return f


def main_dump(path):
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        if os.path.exists(path):
            os.remove(path)
        print("nn_models_ref.py: skipped, %s cannot import torch (%s); install python3-torch"
              % (sys.executable, e))
        return 77
    torch.set_num_threads(2)
    out = []

    def add(name, a):
        out.append((name, np.ascontiguousarray(np.asarray(a, dtype=np.float32))))

    for mi, (arch, in_ch, classes, depth, width) in enumerate(MODELS):
        torch.manual_seed(1000 + mi)
        rs = np.random.RandomState(2000 + mi)
        model = make(arch, in_ch, classes, depth, width)
        with torch.no_grad():  # BN affine and statistics away from the defaults; f32 values
            for mname, mod in model.named_modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    c = mod.num_features
                    mod.weight.copy_(torch.tensor(rs.uniform(0.8, 1.2, c)))
                    mod.bias.copy_(torch.tensor(rs.uniform(-0.1, 0.1, c)))
                    mod.running_mean.copy_(torch.tensor(rs.uniform(-0.1, 0.1, c)))
                    mod.running_var.copy_(torch.tensor(rs.uniform(0.5, 1.5, c)))
            for t in list(model.parameters()) + list(model.buffers()):
                if t.is_floating_point():
                    t.copy_(t.float())
        model = model.double()
        lay = our_layout(model)
        seg = not arch.endswith("-cls")
        nparams = sum(p.numel() for p in model.parameters())
        add(arch + "/config", [N, H, W, in_ch, classes, depth, width, 0 if seg else 1])
        add(arch + "/nparams", [nparams])
        add(arch + "/opt", OPT)
        init_state = {k: v.clone() for k, v in model.state_dict().items()}
        for k, v in model.named_parameters():
            add(arch + "/param/" + k, lay(k, v))
        bufs = [(k, v) for k, v in model.named_buffers() if "running" in k]
        for k, v in bufs:
            add(arch + "/buffer/" + k, lay(k, v))
        xi = rs.uniform(-1, 1, (N, H, W, in_ch)).astype(np.float32)
        x = torch.tensor(np.transpose(xi, (0, 3, 1, 2)).astype(np.float64))
        if seg:
            tg = rs.randint(0, classes, size=(N, H, W))
            tg[rs.uniform(size=(N, H, W)) < 0.1] = 255
            y = torch.tensor(tg, dtype=torch.long)

            def lossf(z):
                return F.cross_entropy(z, y, ignore_index=255)
        else:
            tg = (rs.uniform(size=(N, classes)) < 0.4).astype(np.float64)
            y = torch.tensor(tg)

            def lossf(z):
                return F.binary_cross_entropy_with_logits(z, y)
        add(arch + "/x", xi)
        add(arch + "/target", tg)

        def logits_np(z):
            return z.detach().permute(0, 2, 3, 1).numpy() if seg else z.detach().numpy()

        model.eval()
        with torch.no_grad():
            add(arch + "/eval_out", logits_np(model(x)))
        model.train()
        model.zero_grad()
        z = model(x)
        loss = lossf(z)
        loss.backward()
        add(arch + "/out", logits_np(z))
        add(arch + "/loss", [loss.item()])
        for k, v in model.named_parameters():
            add(arch + "/grad/" + k, lay(k, v.grad))
        for k, v in bufs:
            add(arch + "/buffer_after/" + k, lay(k, v))
        # PyTorch's own float32 error against its float64 (the conditioning of this network at
        # this size): the C test accepts a difference up to a few times it
        m32 = make(arch, in_ch, classes, depth, width)
        m32.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in init_state.items()})
        m32.train()
        lossf(m32(x.float()) if seg else m32(x.float()).double()).backward()
        f32_err = max((p.grad.double() - dict(model.named_parameters())[k].grad).abs().max().item()
                      / max(1.0, dict(model.named_parameters())[k].grad.abs().max().item())
                      for k, p in m32.named_parameters())
        errs = [f32_err]
        for oname in ("sgd", "adamw"):
            trajs = []
            for net in (model, m32):
                net.load_state_dict(init_state)
                ps = list(net.parameters())
                if oname == "sgd":
                    opt = torch.optim.SGD(ps, lr=OPT[0], momentum=OPT[1], weight_decay=OPT[2])
                else:
                    opt = torch.optim.AdamW(ps, lr=OPT[3], betas=(OPT[4], OPT[5]), eps=OPT[6],
                                            weight_decay=OPT[7])
                losses = []
                xx = x if net is model else x.float()
                for step in range(STEPS):
                    opt.zero_grad()
                    z = net(xx)
                    loss = lossf(z if net is model or seg else z.double())
                    loss.backward()
                    losses.append(loss.item())
                    opt.step()
                trajs.append(np.array(losses))
            add(arch + "/traj_" + oname, trajs[0])
            errs.append(np.abs(trajs[1] - trajs[0]).max() / max(1.0, np.abs(trajs[0]).max()))
        add(arch + "/f32_err", errs)
        print("nn_models_ref.py: %s %d parameters; torch f32 vs f64: gradients %.1e, sgd %.1e, "
              "adamw %.1e" % (arch, nparams, errs[0], errs[1], errs[2]))

    for i, (arch, in_ch, classes, depth, width) in enumerate(COUNTS):
        m = make(arch, in_ch, classes, depth, width)
        cnt = sum(p.numel() for p in m.parameters())  # split: f32 holds integers < 2^24
        add("count/%d" % i, [in_ch, classes, depth, width, cnt // 65536, cnt % 65536])
        add("count/%d/arch/%s" % (i, arch), [0])
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<II", VERSION, len(out)))
        for name, a in out:
            nb = name.encode()
            f.write(struct.pack("<i", len(nb)) + nb + struct.pack("<i", a.ndim) +
                    struct.pack("<%di" % a.ndim, *a.shape) + a.tobytes())
    print("nn_models_ref.py: wrote %d tensors to %s" % (len(out), path))
    return 0


def main_bench(threads):
    import time
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for arch, depth, width in (("unet", 4, 32), ("resnet34-seg", 34, 64)):
        model = make(arch, 3, 5, depth, width).to(memory_format=torch.channels_last)
        model.train()
        x = torch.randn(8, 3, 256, 256).to(memory_format=torch.channels_last)
        y = torch.randint(0, 5, (8, 256, 256))
        best = 1e30
        for rep in range(4):
            t0 = time.perf_counter()
            model.zero_grad()
            F.cross_entropy(model(x), y, ignore_index=255).backward()
            t1 = time.perf_counter()
            if rep:
                best = min(best, t1 - t0)
        print("torch %-13s batch 8 256x256x3 fwd+bwd %8.1f ms  %6.2f images/s  (%d threads)"
              % (arch, best * 1e3, 8 / best, threads))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        sys.exit(main_bench(int(sys.argv[2])))
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main_dump(sys.argv[1]))
