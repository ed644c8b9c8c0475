#!/usr/bin/env python3
"""Linear (rigid + affine) registration on the real labelled brain pairs of ../shared/data/brain-labels.

For each pair (fixed 1000 / moving 1001, 1002/1003, 1004/1005) and each preset, runs ffdp-register,
then warps the moving manual label map with nearest-neighbour and with label interpolation and
prints mean Dice over the fixed map's labels before registration and after, with the stage times
from the run report and the peak memory. Timings come from this machine: say which when quoting.

usage: scripts/bench/affine_brains.py [--binary build/ffdp-register] [--presets affine.json ...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "brain-labels"))
PAIRS = [("1000", "1001"), ("1002", "1003"), ("1004", "1005")]


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}")
    return result.stdout


def mean_dice(binary, fixed_labels, warped_labels):
    return json.loads(run([binary, "eval", "dice", fixed_labels, warped_labels, "--json"]))["meanDice"]


def warp_labels(binary, moving_labels, reference, transforms, interpolation, out):
    cmd = [binary, "apply", "-i", moving_labels, "-r", reference, "-o", out, "-n", interpolation, "--overwrite"]
    for t in transforms:
        cmd += ["-t", t]
    run(cmd)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "ffdp-register"))
    parser.add_argument("--presets", nargs="+", default=["affine.json", "brain-affine-cc.json"])
    parser.add_argument("--threads", type=int, default=0, help="0 = all cores")
    args = parser.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"skipped: {DATA} is absent")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ffdp-bench-") as tmp:
        for fixed_id, moving_id in PAIRS:
            fixed = os.path.join(DATA, f"{fixed_id}_SS.nii.gz")
            moving = os.path.join(DATA, f"{moving_id}_SS.nii.gz")
            fixed_labels = os.path.join(DATA, f"{fixed_id}_glm.nii.gz")
            moving_labels = os.path.join(DATA, f"{moving_id}_glm.nii.gz")
            out = os.path.join(tmp, "labels.nii.gz")
            warp_labels(args.binary, moving_labels, fixed, [], "NearestNeighbor", out)
            before = mean_dice(args.binary, fixed_labels, out)
            for preset in args.presets:
                prefix = os.path.join(tmp, f"{fixed_id}_{moving_id}_")
                cmd = [args.binary, "-q", "--spec", os.path.join(ROOT, "params", preset), "--fixed", fixed,
                       "--moving", moving, "-o", prefix, "--overwrite"]
                if args.threads:
                    cmd += ["--threads", str(args.threads)]
                run(cmd)
                report = json.load(open(prefix + "report.json"))
                affine = prefix + "0GenericAffine.mat"
                warp_labels(args.binary, moving_labels, fixed, [affine], "NearestNeighbor", out)
                after_nn = mean_dice(args.binary, fixed_labels, out)
                warp_labels(args.binary, moving_labels, fixed, [affine], "GenericLabel", out)
                after_label = mean_dice(args.binary, fixed_labels, out)
                stage_seconds = {}
                iterations = []
                for stage in report["stages"]:
                    stage_seconds[stage["transform"]] = stage_seconds.get(stage["transform"], 0) + stage["seconds"]
                    iterations.append("x".join(str(level["iterations"]) for level in stage["levels"]))
                rows.append((f"{fixed_id}/{moving_id}", preset, stage_seconds.get("rigid", 0.0),
                             stage_seconds.get("affine", 0.0), report["seconds"], " + ".join(iterations), before,
                             after_nn, after_label, report["peakMemoryMB"], report["threads"]))
    header = ("pair", "preset", "rigid s", "affine s", "total s", "iterations", "Dice before", "Dice NN",
              "Dice label", "peak MB", "threads")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]} | {r[6]:.3f} | {r[7]:.3f} | "
              f"{r[8]:.3f} | {r[9]:.0f} | {r[10]} |")
    for preset in args.presets:
        sel = [r for r in rows if r[1] == preset]
        print(f"mean over pairs, {preset}: total {sum(r[4] for r in sel) / len(sel):.2f} s, "
              f"Dice before {sum(r[6] for r in sel) / len(sel):.3f}, after NN {sum(r[7] for r in sel) / len(sel):.3f}, "
              f"after label {sum(r[8] for r in sel) / len(sel):.3f}")


if __name__ == "__main__":
    main()
