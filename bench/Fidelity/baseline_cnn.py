#!/usr/bin/python3
# Copied from shared/tools/baseline_cnn.py for bench/Fidelity (adds --batch and a validation accuracy on the 5,000
# held-out images). A hand-made baseline in PyTorch (Debian python3-torch) for the search-quality area: a small VGG-style CNN
# (conv16-conv16-pool-conv32-conv32-pool-fc), trained under the same budget as the product's children
# (SGD momentum 0.9 nesterov, lr 0.05 cosine, wd 3e-4, batch 64, no augmentation), on Fashion-MNIST IDX files
# or an image folder (train/ test/). Prints test accuracy and params. Usage:
#   baseline_cnn.py fashion-mnist DIR --limit 5000 --epochs 1      |  baseline_cnn.py folder DIR --epochs 4
import sys, gzip, os, struct, argparse, math, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
ap = argparse.ArgumentParser(); ap.add_argument("kind"); ap.add_argument("dir")
ap.add_argument("--limit", type=int, default=0); ap.add_argument("--epochs", type=int, default=1)
ap.add_argument("--threads", type=int, default=1); ap.add_argument("--seed", type=int, default=0); ap.add_argument("--lr", type=float, default=0.05)
ap.add_argument("--batch", type=int, default=64)
a = ap.parse_args(); torch.manual_seed(a.seed); torch.set_num_threads(a.threads); rng = np.random.default_rng(a.seed)
def idx(p):
    with gzip.open(p) as f:
        m, n = struct.unpack(">II", f.read(8))
        if m == 2051: r, c = struct.unpack(">II", f.read(8)); return np.frombuffer(f.read(), np.uint8).reshape(n, 1, r, c)
        return np.frombuffer(f.read(), np.uint8)
if a.kind == "fashion-mnist":
    xtr, ytr = idx(f"{a.dir}/train-images-idx3-ubyte.gz"), idx(f"{a.dir}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{a.dir}/t10k-images-idx3-ubyte.gz"), idx(f"{a.dir}/t10k-labels-idx1-ubyte.gz")
    xva, yva = xtr[:5000], ytr[:5000]
    xtr, ytr = xtr[5000:], ytr[5000:]  # the product holds out 5,000 for validation (its own seeded choice, not these)
else:
    from PIL import Image
    def load(part):
        xs, ys = [], []
        for c in sorted(os.listdir(f"{a.dir}/{part}")):
            for fn in sorted(os.listdir(f"{a.dir}/{part}/{c}")):
                xs.append(np.asarray(Image.open(f"{a.dir}/{part}/{c}/{fn}").convert("L"))[None]); ys.append(int(c))
        return np.stack(xs), np.array(ys)
    xtr, ytr = load("train"); xte, yte = load("test")
    perm = rng.permutation(len(xtr)); cut = int(len(xtr) * 0.9)
    xva, yva = xtr[perm[cut:]], ytr[perm[cut:]]; xtr, ytr = xtr[perm[:cut]], ytr[perm[:cut]]  # 10 % validation held out
if a.limit: xtr, ytr = xtr[: a.limit], ytr[: a.limit]
mu, sd = xtr.mean() / 255, xtr.std() / 255
T = lambda x: (torch.tensor(x, dtype=torch.float32) / 255 - mu) / sd
Xtr, Ytr, Xte, Yte = T(xtr), torch.tensor(ytr, dtype=torch.long), T(xte), torch.tensor(yte, dtype=torch.long)
Xva, Yva = T(xva), torch.tensor(yva, dtype=torch.long)
ncls = int(Ytr.max()) + 1; s = Xtr.shape[-1]
net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(32 * (s // 4) ** 2, ncls))
opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=3e-4)
B = a.batch; steps = a.epochs * math.ceil(len(Xtr) / B); sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps); t0 = time.time(); c0 = time.process_time()
for e in range(a.epochs):
    perm = torch.randperm(len(Xtr)); net.train()
    for i in range(0, len(Xtr), B):
        b = perm[i:i + B]; loss = F.cross_entropy(net(Xtr[b]), Ytr[b]); opt.zero_grad(); loss.backward(); opt.step(); sched.step()
train_s = time.time() - t0; train_cpu = time.process_time() - c0; net.eval()
def accuracy(X, Y):
    with torch.no_grad(): return sum((net(X[i:i + 256]).argmax(1) == Y[i:i + 256]).sum().item() for i in range(0, len(X), 256)) / len(X)
acc, val = accuracy(Xte, Yte), accuracy(Xva, Yva)
print(f"baseline cnn: test accuracy {acc:.4f}, validation accuracy {val:.4f}, train seconds {train_s:.1f}, train cpu seconds {train_cpu:.1f}, params {sum(p.numel() for p in net.parameters())}, train images {len(Xtr)}, epochs {a.epochs}, {time.time() - t0:.1f} s")
