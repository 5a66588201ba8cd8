"""Tables and ratios from amsrtc-sfu-fanout-bench's JSON lines.

    python3 summarize_fanout.py ROWS          # fan-out steps of both servers
    python3 summarize_fanout.py --soak ROWS   # publish/play/stop cycles
"""
import json
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
        ok = [r["players"] for r in rows
              if r["target"] == target and r["loss_pct"] < 1 and r["broken"] == 0]
        print(f"{target}: largest N with < 1 % loss: {max(ok) if ok else 'none'}")
    ours = {r["players"]: r for r in rows if r["target"] == "amsrtc"}
    theirs = {r["players"]: r for r in rows if r["target"] == "janus"}
    for n in sorted(set(ours) & set(theirs)):
        if theirs[n]["cpu_per_player_pct"] > 0:
            ratio = ours[n]["cpu_per_player_pct"] / theirs[n]["cpu_per_player_pct"]
            print(f"N={n}: CPU per player, amsrtc / janus = {ratio:.2f}")


def soak(rows):
    base = next(r for r in rows if r["cycle"] == 10)
    last = rows[-1]
    print(f"RSS after cycle 10: {base['server_rss_mb']:.1f} MiB; after cycle {last['cycle']}: "
          f"{last['server_rss_mb']:.1f} MiB; ratio {last['server_rss_mb'] / base['server_rss_mb']:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "--soak":
        soak(load(sys.argv[2]))
    else:
        fanout(load(sys.argv[1]))
