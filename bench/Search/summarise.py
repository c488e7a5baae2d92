#!/usr/bin/env python3
"""Tables of bench/Search/run.sh's output folder: one row per search, then the means per strategy x schedule."""
import csv, json, os, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else "runs"
rows, nasnet_a = [], None
for name in sorted(os.listdir(out)):
    d = os.path.join(out, name)
    if not os.path.isfile(os.path.join(d, "final.json")):
        continue
    final = json.load(open(os.path.join(d, "final.json")))
    status = json.load(open(os.path.join(d, "status.json")))
    cands = list(csv.DictReader(open(os.path.join(d, "candidates.csv"), newline="")))
    user, sys_, wall = (float(x) for x in open(os.path.join(d, "time.txt")).read().split()[:3])
    by_role = {}
    for r in final["rows"]:
        by_role.setdefault(r["role"], r)
        if r["role"] == "NasNetA":
            nasnet_a = r
    strategy, schedule, seed = name.rsplit("-", 2)
    found, rand = by_role.get("Found"), by_role.get("Random")
    rows.append(dict(
        name=name, strategy=strategy, schedule=schedule, seed=seed[1:],
        candidates=status["completed"], promotions=status["promotions"], epochs=status["epochsTrained"],
        # candidates.csv also lists the final rows, numbered after the search's proposals
        slot_s=sum(float(c["seconds"] or 0) for c in cands if int(c["number"]) < status["proposed"]), cpu_s=user + sys_, wall_s=wall,
        best_reward=(status.get("best") or {}).get("accuracy"), best_rung=(status.get("best") or {}).get("rung"),
        found=found and found["testAccuracy"], found_params=found and found["params"],
        random=rand and rand["testAccuracy"], random_params=rand and rand["params"]))

def pct(x):
    return "-" if x is None else f"{100 * x:.2f}"

print("| search | candidates | promotions | epochs | search training slot-s | process CPU-s (search + final) | wall s | best reward (rung index) | found: final test | found params | random cell: final test | random params | found - random |")
print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
for r in rows:
    diff = None if r["found"] is None or r["random"] is None else r["found"] - r["random"]
    print(f"| {r['name']} | {r['candidates']} | {r['promotions']} | {r['epochs']} | {r['slot_s']:.0f} | {r['cpu_s']:.0f} | {r['wall_s']:.0f} | "
          f"{pct(r['best_reward'])} ({r['best_rung']}) | {pct(r['found'])} | {r['found_params']:,} | {pct(r['random'])} | {r['random_params']:,} | {'-' if diff is None else f'{100 * diff:+.2f}'} |")
if nasnet_a:
    print(f"\nNASNet-A under the same final protocol: {pct(nasnet_a['testAccuracy'])} test, {nasnet_a['params']:,} params.")
print("\n| strategy | schedule | searches | found: mean final test | random cell: mean | mean found - random |")
print("|---|---|---:|---:|---:|---:|")
groups = {}
for r in rows:
    groups.setdefault((r["strategy"], r["schedule"]), []).append(r)
for (strategy, schedule), g in sorted(groups.items()):
    f = [r["found"] for r in g if r["found"] is not None]
    q = [r["random"] for r in g if r["random"] is not None]
    d = [r["found"] - r["random"] for r in g if r["found"] is not None and r["random"] is not None]
    m = lambda xs: pct(statistics.mean(xs)) if xs else "-"
    print(f"| {strategy} | {schedule} | {len(g)} | {m(f)} | {m(q)} | {'-' if not d else f'{100 * statistics.mean(d):+.2f}'} |")
