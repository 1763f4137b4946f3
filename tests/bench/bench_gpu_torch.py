"""PyTorch on the same GPU as bench_gpu (docs/performance.md): the same UNet (depth 4, width 32)
and resnet34-seg (width 64) as tests/ref/nn_models_ref.py defines them, channels_last, bf16
autocast, eager and torch.compile: inference tiles/s (eval, no_grad) and training images/s
(forward, cross-entropy, backward, AdamW step), best of REPS after warm-ups; plus the measured
bf16 matmul peak (8192^3, random data) and the FLOPs per image from a forward count.
--profile adds, per network, torch.profiler's table of the eager bf16 training step's GPU
time by op (to compare with bench_gpu's SWATH_PROFILE=1 table).
Usage: python3 bench_gpu_torch.py [N H W REPS] [--no-compile] [--profile]"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))


def main():
    import torch
    import torch.nn.functional as F
    import nn_models_ref
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    N, H, W, REPS = (int(a) for a in args) if len(args) == 4 else (16, 512, 512, 5)
    compile_too = "--no-compile" not in sys.argv
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    def timed(fn, reps):
        best = 1e30
        for r in range(reps + 2):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            torch.cuda.synchronize()
            if r >= 2:
                best = min(best, time.perf_counter() - t0)
        return best

    a = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    t = timed(lambda: torch.matmul(a, b), 10)
    peak = 2 * 8192 ** 3 / t / 1e12
    print("torch bf16 matmul 8192^3 peak %.0f TFLOP/s (%s)" % (peak, torch.cuda.get_device_name()))
    del a, b
    for arch, depth, width in (("unet", 4, 32), ("resnet34-seg", 34, 64)):
        for compiled in ([False, True] if compile_too else [False]):
            torch.manual_seed(0)
            model = nn_models_ref.make(arch, 3, 5, depth, width).to(dev).to(
                memory_format=torch.channels_last)
            x = torch.randn(N, 3, H, W, device=dev).to(memory_format=torch.channels_last)
            y = torch.randint(0, 5, (N, H, W), device=dev)
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            run = torch.compile(model) if compiled else model

            def infer():
                with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                    run(x)

            def train():
                opt.zero_grad(set_to_none=True)
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = F.cross_entropy(run(x), y, ignore_index=255)
                loss.backward()
                opt.step()

            t0 = time.perf_counter()
            model.eval()
            ti = timed(infer, REPS)
            model.train()
            tt = timed(train, REPS)
            print("torch %-13s bf16 %-7s batch %d %dx%d  infer %8.1f tiles/s | train %7.1f img/s"
                  "  (%.0f s with warm-up)" % (arch, "compile" if compiled else "eager", N, H, W,
                                                N / ti, N / tt, time.perf_counter() - t0))
            sys.stdout.flush()
            if "--profile" in sys.argv and not compiled:
                from torch.profiler import profile, ProfilerActivity
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    for _ in range(REPS):
                        train()
                    torch.cuda.synchronize()
                print("profile: torch %s bf16 eager, %d training steps" % (arch, REPS))
                print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=30,
                                                max_name_column_width=70))
                sys.stdout.flush()
            del model, run, opt
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
