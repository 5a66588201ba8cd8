"""Tables and ratios from amsrtc-sfu-fanout-bench's JSON lines.

    python3 summarize_fanout.py ROWS          # fan-out steps of both servers
    python3 summarize_fanout.py --soak ROWS   # publish/play/stop cycles

Rows tagged with several rounds (run-sfu-fanout-bench.sh --rounds N) get a
table per round and then the medians over the rounds: each round's
amsrtc/Janus ratio is taken within that round, where both servers ran on
the same machine minutes apart, and the median of those ratios reported.
"""
import json
import statistics
import sys


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def fanout(rows):
    print("| players | server | CPU % of one core | CPU % per player | RSS MiB "
          "| kbit/s per player (median / min) | loss % (all / worst player) | bench process CPU % |")
    print("|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r["players"], r["target"])):
        print(f"| {r['players']} | {r['target']} | {r['server_cpu_pct']:.1f} | "
              f"{r['cpu_per_player_pct']:.3f} | {r['server_rss_mb']:.0f} | "
              f"{r['player_kbps_median']:.0f} / {r['player_kbps_min']:.0f} | "
              f"{r['loss_pct']:.2f} / {r['loss_pct_worst_player']:.2f} | {r['bench_cpu_pct']:.0f} |")
    print()
    for target in ("amsrtc", "janus"):
        n = largest_clean_n(rows, target)
        print(f"{target}: largest N with < 1 % loss: {n if n else 'none'}")
    for n, ratio in ratios(rows).items():
        print(f"N={n}: CPU per player, amsrtc / janus = {ratio:.2f}")


def largest_clean_n(rows, target):
    ok = [r["players"] for r in rows
          if r["target"] == target and r["loss_pct"] < 1 and r["broken"] == 0]
    return max(ok) if ok else 0


def ratios(rows):
    ours = {r["players"]: r for r in rows if r["target"] == "amsrtc"}
    theirs = {r["players"]: r for r in rows if r["target"] == "janus"}
    return {n: ours[n]["cpu_per_player_pct"] / theirs[n]["cpu_per_player_pct"]
            for n in sorted(set(ours) & set(theirs)) if theirs[n]["cpu_per_player_pct"] > 0}


def over_rounds(rows):
    rounds = sorted({r["round"] for r in rows})
    for k in rounds:
        print(f"## round {k}")
        fanout([r for r in rows if r["round"] == k])
        print()
    print(f"## medians over {len(rounds)} rounds")
    print("| players | server | CPU % per player (median; min-max) | loss % (median; max) | rounds measured |")
    print("|---|---|---|---|---|")
    for n in sorted({r["players"] for r in rows}):
        for target in ("amsrtc", "janus"):
            cell = [r for r in rows if r["players"] == n and r["target"] == target]
            if not cell:
                continue
            cpu = [r["cpu_per_player_pct"] for r in cell]
            loss = [r["loss_pct"] for r in cell]
            print(f"| {n} | {target} | {statistics.median(cpu):.3f}; {min(cpu):.3f}-{max(cpu):.3f} | "
                  f"{statistics.median(loss):.2f}; {max(loss):.2f} | {len(cell)} |")
    print()
    for target in ("amsrtc", "janus"):
        per_round = [largest_clean_n([r for r in rows if r["round"] == k], target) for k in rounds]
        print(f"{target}: largest N with < 1 % loss, per round: {per_round}; "
              f"median {statistics.median(per_round)}")
    by_n = {}
    for k in rounds:
        for n, ratio in ratios([r for r in rows if r["round"] == k]).items():
            by_n.setdefault(n, []).append(ratio)
    for n, values in sorted(by_n.items()):
        print(f"N={n}: CPU per player, amsrtc / janus, median of {len(values)} rounds = "
              f"{statistics.median(values):.2f} (each: {', '.join(f'{v:.2f}' for v in values)})")


def soak(rows):
    base = next(r for r in rows if r["cycle"] == 10)
    last = rows[-1]
    print(f"RSS after cycle 10: {base['server_rss_mb']:.1f} MiB; after cycle {last['cycle']}: "
          f"{last['server_rss_mb']:.1f} MiB; ratio {last['server_rss_mb'] / base['server_rss_mb']:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "--soak":
        soak(load(sys.argv[2]))
    else:
        rows = load(sys.argv[1])
        if len({r.get("round", 1) for r in rows}) > 1:
            over_rounds(rows)
        else:
            fanout(rows)
