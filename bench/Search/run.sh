#!/usr/bin/env bash
# bench/Search: does the search find a better cell than random, and does ASHA help, at equal training budget?
#   bench/Search/run.sh                # STRATEGIES="ppo evolution random" SCHEDULES="asha none" SEEDS="1 2" EPOCHS=24
# Each search is a real campaign of the product (`nasnet campaign start --local`, an embedded silo, SLOTS trainer
# slots of 1 thread) on Fashion-MNIST at the demo's child budget (N=1, F=96, 2,000 training images, 1,000 validation
# images, batch 16, lr 0.1), budget.maxEpochs = EPOCHS epochs over all candidates and rungs (the equal budget; ASHA:
# rungs 1 and 3 epochs, eta 3; none: 1 epoch each), then its `final` section: its best cell and one uniformly random
# cell retrained from scratch under the final protocol (5,000 images x 1 epoch, test on the 10,000 test images). The
# first search's final also trains NASNet-A under the same protocol. summarise.py prints the table: one row per search
# (candidates, epochs, search CPU-s, best reward, found cell's final test accuracy, random cell's) and the means per
# strategy x schedule, with NASNet-A's row.
set -euo pipefail
cd "$(dirname "$0")"
STRATEGIES=${STRATEGIES:-"ppo evolution random"}; SCHEDULES=${SCHEDULES:-"asha none"}; SEEDS=${SEEDS:-"1 2"}
EPOCHS=${EPOCHS:-24}; SLOTS=${SLOTS:-2}; OUT=${OUT:-runs}; DATA=${DATA:-/usr/share/datasets/fashion-mnist}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
[ -f "$DATA/train-images-idx3-ubyte.gz" ] || { echo "error: Fashion-MNIST is not in $DATA: sudo apt-get install dataset-fashion-mnist (or DATA=DIR)" >&2; exit 2; }
dotnet build ../../src/Client -c Release -v q -nologo >/dev/null
nasnet=../../src/Client/bin/Release/net10.0/nasnet.dll
mkdir -p "$OUT"
first=true
for seed in $SEEDS; do
  for schedule in $SCHEDULES; do
    for strategy in $STRATEGIES; do
      name="$strategy-$schedule-s$seed"; dir="$OUT/$name"
      if [ -f "$dir/final.json" ]; then echo "$name: done already ($dir)"; first=false; continue; fi
      nasneta=$($first && echo true || echo false); first=false
      if [ "$schedule" = asha ]; then sched='{ "kind": "asha", "minEpochs": 1, "maxEpochs": 3, "eta": 3 }'; else sched='{ "kind": "none" }'; fi
      mkdir -p "$dir"
      cat > "$dir/campaign.json" <<JSON
{ "name": "$name", "seed": $seed,
  "strategy": { "kind": "$strategy", "batchSize": 4, "population": 8, "tournament": 3 },
  "dataset": { "kind": "fashion-mnist", "dir": "$DATA" },
  "child": { "cells": 1, "filters": 96, "epochs": 1, "batchSize": 16, "learningRate": 0.1,
             "trainSubset": 2000, "validationSize": 1000, "threads": 1 },
  "budget": { "candidates": 1000, "maxEpochs": $EPOCHS },
  "schedule": $sched,
  "final": { "top": 1, "randomCells": 1, "seeds": 1, "epochs": 1, "trainSubset": 5000,
             "reference": null, "matchReferenceParams": false, "nasNetA": $nasneta } }
JSON
      echo "$name: started $(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg)"
      /usr/bin/time -f '%U %S %e' -o "$dir/time.txt" \
        dotnet "$nasnet" campaign start --local --config "$dir/campaign.json" --slots "$SLOTS" --out "$dir" --json > "$dir/status.out" 2> "$dir/log.txt" \
        || { echo "error: $name failed: see $dir/log.txt" >&2; exit 1; }
      echo "$name: ended $(date -u +%H:%M:%S), user+sys+wall s: $(cat "$dir/time.txt")"
    done
  done
done
/usr/bin/python3 summarise.py "$OUT"
