#!/usr/bin/python3
"""PyTorch twin of NasNet.Core.Networks.ChildNetwork for the training-throughput benchmark (bench/Training/run.sh).

Same NASNet-A genotype (shared/spec/nasnet-a.json), same TF-slim rules as the C# network (spec/nasnet.md): CIFAR stem
(3x3 conv + BN), N normal / reduction / N normal / reduction / N normal cells, squeeze of h[i], adjustment of h[i-1]
(factorized reduction or 1x1), TF SAME padding (asymmetric at stride 2), average pooling that excludes padding,
separable convs applied twice, TF concat sets, ReLU + global average pool + linear head. No aux head, no drop-path,
no dropout (the benchmark config). The parameter count is printed and must equal the C# one.

Runs under Debian's python3-torch: /usr/bin/python3 nasnet_torch.py --threads 1 --steps 30
Prints one line: 'pytorch threads=T params=P shapes=D images_per_s=X step_ms=Y ...' (D: digest of the parameter shapes).
"""

import argparse
import hashlib
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

NASNET_A = {
    "normal": {
        "blocks": [
            ((1, 0), ("sep_conv_5x5", "sep_conv_3x3")),
            ((0, 0), ("sep_conv_5x5", "sep_conv_3x3")),
            ((1, 0), ("avg_pool_3x3", "identity")),
            ((0, 0), ("avg_pool_3x3", "avg_pool_3x3")),
            ((1, 1), ("sep_conv_3x3", "identity")),
        ],
        "concat": [0, 2, 3, 4, 5, 6],
    },
    "reduction": {
        "blocks": [
            ((1, 0), ("sep_conv_5x5", "sep_conv_7x7")),
            ((1, 0), ("max_pool_3x3", "sep_conv_7x7")),
            ((1, 0), ("avg_pool_3x3", "sep_conv_5x5")),
            ((3, 2), ("identity", "avg_pool_3x3")),
            ((2, 1), ("sep_conv_3x3", "max_pool_3x3")),
        ],
        "concat": [3, 4, 5, 6],
    },
}

BN_EPS, BN_MOMENTUM = 1e-5, 0.1


def same_pads(size, kernel, stride):
    out = (size + stride - 1) // stride
    total = max(0, (out - 1) * stride + kernel - size)
    return total // 2, total - total // 2


class SameConv(nn.Module):
    """Bias-free conv with TF SAME padding: symmetric via the conv, asymmetric (stride 2) padded first."""

    def __init__(self, cin, cout, kernel, stride=(1, 1), groups=1, dilation=1):
        super().__init__()
        self.kernel, self.stride, self.dilation = kernel, stride, dilation
        self.symmetric = stride == (1, 1)
        pad = ((kernel[0] - 1) * dilation // 2, (kernel[1] - 1) * dilation // 2) if self.symmetric else (0, 0)
        self.conv = nn.Conv2d(cin, cout, kernel, stride, pad, (dilation, dilation), groups=groups, bias=False)

    def forward(self, x):
        if not self.symmetric:
            top, bottom = same_pads(x.shape[2], (self.kernel[0] - 1) * self.dilation + 1, self.stride[0])
            left, right = same_pads(x.shape[3], (self.kernel[1] - 1) * self.dilation + 1, self.stride[1])
            if top + bottom + left + right > 0:
                x = F.pad(x, [left, right, top, bottom])
        return self.conv(x)


def bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class ReluConvBn(nn.Module):
    def __init__(self, cin, cout, kernel, stride, relu=True):
        super().__init__()
        self.relu = relu
        self.conv = SameConv(cin, cout, (kernel, kernel), (stride, stride))
        self.bn = bn(cout)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x) if self.relu else x))


class SepConvStack(nn.Module):
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.dw1 = SameConv(cin, cin, (kernel, kernel), (stride, stride), groups=cin)
        self.pw1 = SameConv(cin, cout, (1, 1))
        self.bn1 = bn(cout)
        self.dw2 = SameConv(cout, cout, (kernel, kernel), groups=cout)
        self.pw2 = SameConv(cout, cout, (1, 1))
        self.bn2 = bn(cout)

    def forward(self, x):
        y = self.bn1(self.pw1(self.dw1(F.relu(x))))
        return self.bn2(self.pw2(self.dw2(F.relu(y))))


class Pool(nn.Module):
    """TF SAME pooling; average excludes padded cells; 1x1 conv + BN (no ReLU) when the width differs."""

    def __init__(self, is_max, cin, cout, kernel, stride):
        super().__init__()
        self.is_max, self.kernel, self.stride = is_max, kernel, stride
        self.proj = ReluConvBn(cin, cout, 1, 1, relu=False) if cin != cout else None

    def forward(self, x):
        top, bottom = same_pads(x.shape[2], self.kernel, self.stride)
        left, right = same_pads(x.shape[3], self.kernel, self.stride)
        k, s = self.kernel, self.stride
        if top == bottom and left == right:
            y = (F.max_pool2d(x, k, s, (top, left)) if self.is_max
                 else F.avg_pool2d(x, k, s, (top, left), count_include_pad=False))
        elif self.is_max:
            y = F.max_pool2d(F.pad(x, [left, right, top, bottom], value=float("-inf")), k, s)
        else:
            ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype, device=x.device)
            count = F.avg_pool2d(F.pad(ones, [left, right, top, bottom]), k, s)
            y = F.avg_pool2d(F.pad(x, [left, right, top, bottom]), k, s) / count
        return y if self.proj is None else self.proj(y)


class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        if stride == 1:
            self.path1, self.path2 = SameConv(cin, cout, (1, 1)), None
        else:
            self.path1 = SameConv(cin, cout // 2, (1, 1))
            self.path2 = SameConv(cin, cout - cout // 2, (1, 1))
        self.bn = bn(cout)

    def forward(self, x):
        if self.path2 is None:
            return self.bn(self.path1(x))
        a = self.path1(x[:, :, 0::2, 0::2])
        b = self.path2(F.pad(x, [0, 1, 0, 1])[:, :, 1::2, 1::2])
        return self.bn(torch.cat([a, b], 1))


class ReluThen(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.op = inner

    def forward(self, x):
        return self.op(F.relu(x))


def make_op(op, cin, f, stride):
    if op == "identity":
        return nn.Identity() if stride == 1 and cin == f else ReluConvBn(cin, f, 1, stride)
    if op.startswith("sep_conv_"):
        return SepConvStack(cin, f, int(op[-1]), stride)
    if op.startswith("avg_pool_") or op.startswith("max_pool_"):
        return Pool(op.startswith("max"), cin, f, int(op[-1]), stride)
    raise ValueError(f"op {op} is not used by NASNet-A")


class Cell(nn.Module):
    def __init__(self, genotype, reduction, cin, prev_c, prev_larger, f):
        super().__init__()
        self.blocks = genotype["blocks"]
        self.concat = genotype["concat"]
        self.pre1 = ReluConvBn(cin, f, 1, 1)
        if prev_c is None:
            self.pre0, c0 = nn.Identity(), cin
        elif prev_larger:
            self.pre0, c0 = ReluThen(FactorizedReduce(prev_c, f, 2)), f
        elif prev_c != f:
            self.pre0, c0 = ReluConvBn(prev_c, f, 1, 1), f
        else:
            self.pre0, c0 = nn.Identity(), f
        width = [c0, f]
        self.ops = nn.ModuleList()
        for inputs, ops in self.blocks:
            for inp, op in zip(inputs, ops):
                self.ops.append(make_op(op, width[inp], f, 2 if reduction and inp < 2 else 1))
            width.append(f)
        self.outs = nn.ModuleList()
        self.out_channels = 0
        for s in self.concat:
            if s < 2 and reduction:
                self.outs.append(FactorizedReduce(width[s], f, 2))
                self.out_channels += f
            elif s < 2 and width[s] != f:
                self.outs.append(FactorizedReduce(width[s], f, 1))
                self.out_channels += f
            else:
                self.outs.append(nn.Identity())
                self.out_channels += width[s]

    def forward(self, h_prev_prev, h_prev):
        states = [self.pre0(h_prev_prev), self.pre1(h_prev)]
        for b, (inputs, _) in enumerate(self.blocks):
            states.append(self.ops[2 * b](states[inputs[0]]) + self.ops[2 * b + 1](states[inputs[1]]))
        return torch.cat([out(states[s]) for out, s in zip(self.outs, self.concat)], 1)


class ChildNetwork(nn.Module):
    """CIFAR-stem NASNet (TF _build_nasnet_base, skip_reduction_layer_input = 0)."""

    def __init__(self, genotype, cells, num_conv_filters, in_channels=3, classes=10, stem_multiplier=3.0):
        super().__init__()
        c = int(num_conv_filters * stem_multiplier)
        self.stem_conv = SameConv(in_channels, c, (3, 3))
        self.stem_bn = bn(c)
        outputs = [None, (c, 0)]
        self.prev_index = []
        self.cells = nn.ModuleList()
        num_cells = 3 * cells
        reductions = [num_cells // 3, 2 * num_cells // 3]
        scaling = 1.0

        def add(g, reduction, filters, prev):
            cin, level = outputs[-1]
            p = outputs[prev]
            cell = Cell(g, reduction, cin, p[0] if p else None, p is not None and p[1] != level, filters)
            self.cells.append(cell)
            self.prev_index.append(prev)
            outputs.append((cell.out_channels, level + (1 if reduction else 0)))

        for n in range(num_cells):
            if n in reductions:
                scaling *= 2
                add(genotype["reduction"], True, int(num_conv_filters * scaling), len(outputs) - 2)
            add(genotype["normal"], False, int(num_conv_filters * scaling), len(outputs) - 2)
        self.classifier = nn.Linear(outputs[-1][0], classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        outputs = [None, self.stem_bn(self.stem_conv(x))]
        for cell, prev in zip(self.cells, self.prev_index):
            p = outputs[prev] if outputs[prev] is not None else outputs[-1]
            outputs.append(cell(p, outputs[-1]))
        return self.classifier(F.relu(outputs[-1]).mean([2, 3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cells", type=int, default=2)
    ap.add_argument("--filters", type=int, default=96, help="penultimate filters F of 'N @ F' (24 x num_conv_filters)")
    ap.add_argument("--image", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--forward-only", type=int, default=0, help="diagnostics: time the forward pass alone")
    args = ap.parse_args()
    if args.filters % 24:
        raise SystemExit(f"--filters {args.filters} is not a multiple of 24 (NASNet-A: F = 24 x num_conv_filters)")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = ChildNetwork(NASNET_A, args.cells, args.filters // 24, args.channels)
    model.train()
    params = sum(p.numel() for p in model.parameters())
    # Digest of the sorted parameter shapes: equal digests mean the same multiset of tensors as the C# network.
    shapes = ",".join(sorted("x".join(str(d) for d in p.shape) for p in model.parameters()))
    digest = hashlib.sha256(shapes.encode()).hexdigest()[:12]
    opt = torch.optim.SGD(model.parameters(), lr=0.025, momentum=0.9, weight_decay=5e-4)
    # Synthetic data of the right shape, a few fixed batches cycled (no dataset needed).
    xs = [torch.randn(args.batch, args.channels, args.image, args.image) for _ in range(4)]
    ys = [torch.randint(0, 10, (args.batch,)) for _ in range(4)]

    def step(i):
        if args.forward_only:
            with torch.no_grad():
                return F.cross_entropy(model(xs[i % 4]), ys[i % 4]).item()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[i % 4]), ys[i % 4])
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    start, cpu_start, main_start = time.perf_counter(), time.process_time(), time.thread_time()
    for i in range(args.steps):
        loss = step(i)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    main_cpu = time.thread_time() - main_start
    images = args.batch * args.steps
    # The same GEMM as the C# half (torch.mm 1024^3, process CPU time): this stack's attainable FLOP rate.
    n, reps = 1024, 6
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    gemm_start = time.process_time()
    for _ in range(reps):
        torch.mm(a, b)
    gemm = 2.0 * n ** 3 * reps / (time.process_time() - gemm_start) / 1e9
    # images_per_s: wall clock; cpu_images_per_s: per CPU-second of the process (robust on a shared, loaded machine).
    print(f"pytorch threads={torch.get_num_threads()} params={params} shapes={digest} images_per_s={images / elapsed:.2f} "
          f"cpu_images_per_s={images / cpu:.2f} step_ms={1000 * elapsed / args.steps:.1f} cpu_s={cpu:.2f} "
          f"main_thread_cpu_s={main_cpu:.2f} loss={loss:.4f} gemm_cpu_gflops={gemm:.1f} "
          f"version={torch.__version__}")


if __name__ == "__main__":
    main()
