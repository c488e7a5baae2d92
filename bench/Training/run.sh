#!/usr/bin/env bash
# Training throughput of the same small NASNet-A child (N=2, F=96, 32x32x3, batch 64): TorchSharp vs PyTorch.
#   bench/Training/run.sh            # ROUNDS=5 STEPS=20 WARMUP=3 THREADS="1 2" by default
# Builds the C# half (Release), then per thread count alternates runs (TorchSharp, PyTorch, TorchSharp, ...), each in
# its own process, and prints every run, the median images/s of each side and the ratio TorchSharp / PyTorch, by wall
# clock and per CPU-second (the latter is robust when other processes share the cores).
# Needs Debian's python3-torch (apt-get install -y python3-torch), which runs under /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-5}; STEPS=${STEPS:-20}; WARMUP=${WARMUP:-3}; THREADS=${THREADS:-"1 2"}
# ONEDNN=-1 (default): TorchSharp as the product trains (oneDNN on unless its start-up self-test fails, see
# src/Core/Training/CpuKernels.cs); ONEDNN=0: oneDNN off (the old workaround); ONEDNN=1: on, no self-test.
ONEDNN=${ONEDNN:--1}
PYTHON=${PYTHON:-/usr/bin/python3}
# Both sides use OpenMP (libgomp). Its default spin-waiting collapses 2-thread runs when other processes share the
# cores (measured: 2-9 img/s instead of 30-55 on this 2-core machine); passive waiting, the same for both, avoids it.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
"$PYTHON" -c "import torch" 2>/dev/null || { echo "error: $PYTHON has no torch: apt-get install -y python3-torch" >&2; exit 2; }
dotnet build NasNet.Bench.Training.csproj -c Release -v q -nologo >/dev/null
cs_dll=bin/Release/net10.0/NasNet.Bench.Training.dll
common=(--cells 2 --filters 96 --image 32 --channels 3 --batch 64 --warmup "$WARMUP" --steps "$STEPS")
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg); OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
summary=()
for t in $THREADS; do
  cs=(); py=(); csc=(); pyc=(); ratios=(); flops=(); gemms=(); pgemms=()
  for r in $(seq 1 "$ROUNDS"); do
    a=$(dotnet "$cs_dll" --threads "$t" --onednn "$ONEDNN" "${common[@]}")
    b=$("$PYTHON" nasnet_torch.py --threads "$t" "${common[@]}")
    echo "threads=$t round=$r | $a"
    echo "threads=$t round=$r | $b"
    if [ "$(field params "$a")" != "$(field params "$b")" ] || [ "$(field shapes "$a")" != "$(field shapes "$b")" ]; then
      echo "error: the two networks differ (params/shapes): $a | $b" >&2; exit 1
    fi
    cs+=("$(field images_per_s "$a")"); py+=("$(field images_per_s "$b")")
    csc+=("$(field cpu_images_per_s "$a")"); pyc+=("$(field cpu_images_per_s "$b")")
    flops+=("$(field cpu_gflops "$a")"); gemms+=("$(field gemm_cpu_gflops "$a")"); pgemms+=("$(field gemm_cpu_gflops "$b")")
    ratios+=("$(awk -v a="$(field images_per_s "$a")" -v b="$(field images_per_s "$b")" 'BEGIN {print a / b}')")
  done
  mc=$(printf '%s\n' "${cs[@]}" | median); mp=$(printf '%s\n' "${py[@]}" | median)
  mcc=$(printf '%s\n' "${csc[@]}" | median); mpc=$(printf '%s\n' "${pyc[@]}" | median)
  mr=$(printf '%s\n' "${ratios[@]}" | median)
  mf=$(printf '%s\n' "${flops[@]}" | median); mg=$(printf '%s\n' "${gemms[@]}" | median); mpg=$(printf '%s\n' "${pgemms[@]}" | median)
  summary+=("$(printf '| %s | %s | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f %% | %.1f |' "$t" "$ROUNDS" "$mc" "$mp" \
    "$(awk -v a="$mc" -v b="$mp" 'BEGIN {print a / b}')" "$mr" "$mcc" "$mpc" "$(awk -v a="$mcc" -v b="$mpc" 'BEGIN {print a / b}')" \
    "$mf" "$mg" "$(awk -v a="$mf" -v b="$mg" 'BEGIN {print 100 * a / b}')" "$mpg")")
done
echo
echo "img/s: wall clock; cpu img/s: images per CPU-second of the process (less sensitive to other load on the machine)."
echo "GFLOP/s: TorchSharp's training FLOP (6 x forward mult-adds per image) per CPU-second, and a 1024^3 torch.mm GEMM's"
echo "per CPU-second in the same process (share: training / GEMM); the last column is PyTorch's GEMM in its process."
echo "| threads | rounds | TorchSharp img/s | PyTorch img/s | ratio of medians | median of per-round ratios | TorchSharp cpu img/s | PyTorch cpu img/s | cpu ratio | TorchSharp cpu GFLOP/s | its GEMM GFLOP/s | share | PyTorch GEMM GFLOP/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
