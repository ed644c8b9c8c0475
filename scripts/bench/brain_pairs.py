#!/usr/bin/env python3
"""Linear and deformable registration on the real labelled brain pairs of ../shared/data/brain-labels.

For each pair (fixed/moving, by default 1000/1001, 1002/1003, 1004/1005) and each preset, runs
ffdp-register and prints one table row: stage seconds by kind (rigid, affine, deformable), total
seconds, iterations per level, mean Dice over the fixed map's labels before registration, after the
linear part only (P0GenericAffine.mat) and, for a preset whose last stage is deformable (greedy or
SyN: the run writes P1Warp.nii.gz and P1InverseWarp.nii.gz), after the full transform with
nearest-neighbour and with label interpolation; folding of the warp (percent of voxels with
det <= 0, min det), inverse consistency (mean / max over the fixed grid and mean inside the fixed
brain mask, voxels), peak memory, and for the deformable
stage the time per full-resolution iteration, fixed voxels per second per iteration and peak bytes
per fixed voxel. Timings come from this machine: say which when quoting.

usage: scripts/bench/brain_pairs.py [--binary build/ffdp-register] [--presets affine.json brain-greedy.json]
                                    [--pairs 1000/1001 ...] [--threads N] [--backend cpu|cuda] [--data DIR]
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "brain-labels"))
PAIRS = ["1000/1001", "1002/1003", "1004/1005"]
DEFORMABLE = {"greedy", "syn"}  # report "transform" values of the stages that write a warp field


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}")
    return result.stdout


def run_json(cmd):
    return json.loads(run(cmd + ["--json"]))


def nifti_voxels(path):
    """Voxel count of a (gzipped) NIfTI-1 or NIfTI-2 image from its header dims (x*y*z, 3-D images)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(540)
    for endian in "<>":
        size = struct.unpack(endian + "i", head[:4])[0]
        if size == 348:
            dims = struct.unpack(endian + "8h", head[40:56])
            break
        if size == 540:
            dims = struct.unpack(endian + "8q", head[16:80])
            break
    else:
        sys.exit(f"not a NIfTI header: {path}")
    return dims[1] * dims[2] * dims[3]


def mean_dice(binary, fixed_labels, warped_labels):
    return run_json([binary, "eval", "dice", fixed_labels, warped_labels])["meanDice"]


def warp_labels(binary, moving_labels, reference, transforms, interpolation, out):
    cmd = [binary, "apply", "-i", moving_labels, "-r", reference, "-o", out, "-n", interpolation, "--overwrite"]
    for t in transforms:
        cmd += ["-t", t]
    run(cmd)


def stage_kind(transform):
    return "deformable" if transform in DEFORMABLE else transform


def measure(args, tmp, fixed_id, moving_id, preset, before):
    """Runs one preset on one pair; returns the table row as a dict."""
    fixed = os.path.join(DATA, f"{fixed_id}_SS.nii.gz")
    moving = os.path.join(DATA, f"{moving_id}_SS.nii.gz")
    fixed_labels = os.path.join(DATA, f"{fixed_id}_glm.nii.gz")
    moving_labels = os.path.join(DATA, f"{moving_id}_glm.nii.gz")
    out = os.path.join(tmp, "labels.nii.gz")
    prefix = os.path.join(tmp, f"{fixed_id}_{moving_id}_{os.path.splitext(os.path.basename(preset))[0]}_")
    cmd = [args.binary, "-q", "--spec", os.path.join(ROOT, "params", preset), "--fixed", fixed,
           "--moving", moving, "-o", prefix, "--overwrite"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.backend:
        cmd += ["--backend", args.backend]
    run(cmd)
    report = json.load(open(prefix + "report.json"))
    fixed_voxels = nifti_voxels(fixed)

    row = {"pair": f"{fixed_id}/{moving_id}", "preset": preset, "seconds": {}, "total": report["seconds"],
           "before": before, "peakMB": report["peakMemoryMB"], "threads": report["threads"],
           "backend": report.get("backend", "?"), "gpuMB": report.get("devicePeakMemoryMB", 0.0)}
    iterations = []
    deformable_stage = None
    for stage in report["stages"]:
        kind = stage_kind(stage["transform"])
        row["seconds"][kind] = row["seconds"].get(kind, 0.0) + stage["seconds"]
        iterations.append("x".join(str(level["iterations"]) for level in stage["levels"]))
        if kind == "deformable":
            deformable_stage = stage
    row["iterations"] = " + ".join(iterations)

    affine = prefix + "0GenericAffine.mat"
    warp_labels(args.binary, moving_labels, fixed, [affine], "NearestNeighbor", out)
    row["linear"] = mean_dice(args.binary, fixed_labels, out)

    warp, inverse = prefix + "1Warp.nii.gz", prefix + "1InverseWarp.nii.gz"
    if deformable_stage is None or not os.path.exists(warp):
        # Linear preset: the final transform is the affine one; give its label-interpolated Dice too.
        row["final_nn"] = row["linear"]
        warp_labels(args.binary, moving_labels, fixed, [affine], "GenericLabel", out)
        row["final_label"] = mean_dice(args.binary, fixed_labels, out)
        return row

    full = [warp, affine]  # ANTs order: the warp is listed first, the affine acts first on the point
    warp_labels(args.binary, moving_labels, fixed, full, "NearestNeighbor", out)
    row["final_nn"] = mean_dice(args.binary, fixed_labels, out)
    warp_labels(args.binary, moving_labels, fixed, full, "GenericLabel", out)
    row["final_label"] = mean_dice(args.binary, fixed_labels, out)

    jacobian = run_json([args.binary, "eval", "jacobian", warp])
    row["fold_percent"], row["min_det"] = jacobian["nonPositivePercent"], jacobian["min"]
    consistency = run_json([args.binary, "eval", "inverse-consistency", warp, inverse])
    row["ic_mean"], row["ic_max"] = consistency["meanVoxels"], consistency["maxVoxels"]
    # The same inside the fixed brain mask (the background, which barely moves, dilutes the mean above).
    brain = os.path.join(DATA, f"{fixed_id}_mask.nii.gz")
    if os.path.exists(brain):
        row["ic_brain"] = run_json([args.binary, "eval", "inverse-consistency", "-x", brain, warp, inverse])["meanVoxels"]

    # The finest level of the deformable stage runs on the fixed grid (shrink 1 in the presets here).
    last = deformable_stage["levels"][-1]
    if last["iterations"] > 0:
        per_iteration = last["seconds"] / last["iterations"]
        row["s_per_iter"] = per_iteration
        row["vox_per_s"] = fixed_voxels / per_iteration
    # Bytes per fixed voxel of the memory that holds the volumes: the GPU's on the CUDA backend (MiB).
    held = row["gpuMB"] if row["gpuMB"] > 0 else report["peakMemoryMB"]
    row["bytes_per_voxel"] = held * 1024 * 1024 / fixed_voxels
    return row


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main():
    global DATA
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "ffdp-register"))
    parser.add_argument("--presets", nargs="+", default=["affine.json", "brain-affine-cc.json", "brain-greedy.json"])
    parser.add_argument("--pairs", nargs="+", default=PAIRS, help="fixed/moving subject ids, e.g. 1000/1001")
    parser.add_argument("--threads", type=int, default=0, help="0 = all cores")
    parser.add_argument("--backend", default="", help="cpu or cuda (default: the binary's own choice)")
    parser.add_argument("--data", default="", help="the brain-labels folder (default ../shared/data/brain-labels)")
    args = parser.parse_args()
    if args.data:
        DATA = os.path.abspath(args.data)
    if not os.path.isdir(DATA):
        sys.exit(f"skipped: {DATA} is absent")
    pairs = []
    for pair in args.pairs:
        ids = pair.split("/")
        if len(ids) != 2 or not all(ids):
            sys.exit(f"--pairs: expected fixed/moving such as 1000/1001, got '{pair}'")
        pairs.append(ids)

    rows = []
    with tempfile.TemporaryDirectory(prefix="ffdp-bench-") as tmp:
        for fixed_id, moving_id in pairs:
            fixed = os.path.join(DATA, f"{fixed_id}_SS.nii.gz")
            out = os.path.join(tmp, "labels.nii.gz")
            warp_labels(args.binary, os.path.join(DATA, f"{moving_id}_glm.nii.gz"), fixed, [], "NearestNeighbor", out)
            before = mean_dice(args.binary, os.path.join(DATA, f"{fixed_id}_glm.nii.gz"), out)
            for preset in args.presets:
                rows.append(measure(args, tmp, fixed_id, moving_id, preset, before))

    header = ("pair", "preset", "rigid s", "affine s", "deformable s", "total s", "iterations", "Dice before",
              "Dice linear", "Dice final NN", "Dice final label", "det<=0 %", "min det", "IC mean vox",
              "IC max vox", "IC brain mean vox", "peak MB", "GPU peak MB", "s/iter full-res", "Mvox/s per iter", "peak B/vox", "backend",
              "threads")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        s = r["seconds"]
        vox_per_s = r.get("vox_per_s")
        cells = [r["pair"], r["preset"], fmt(s.get("rigid"), ".2f"), fmt(s.get("affine"), ".2f"),
                 fmt(s.get("deformable"), ".2f"), f"{r['total']:.2f}", r["iterations"], f"{r['before']:.3f}",
                 f"{r['linear']:.3f}", f"{r['final_nn']:.3f}", f"{r['final_label']:.3f}",
                 fmt(r.get("fold_percent"), ".4f"), fmt(r.get("min_det"), ".3f"), fmt(r.get("ic_mean"), ".3f"),
                 fmt(r.get("ic_max"), ".2f"), fmt(r.get("ic_brain"), ".3f"), f"{r['peakMB']:.0f}", f"{r['gpuMB']:.0f}", fmt(r.get("s_per_iter"), ".3f"),
                 fmt(None if vox_per_s is None else vox_per_s / 1e6, ".2f"), fmt(r.get("bytes_per_voxel"), ".0f"),
                 r["backend"], str(r["threads"])]
        print("| " + " | ".join(cells) + " |")
    if len(pairs) > 1:
        for preset in args.presets:
            sel = [r for r in rows if r["preset"] == preset]
            mean = lambda key: sum(r[key] for r in sel) / len(sel)
            print(f"mean over pairs, {preset}: total {mean('total'):.2f} s, Dice before {mean('before'):.3f}, "
                  f"linear {mean('linear'):.4f}, final NN {mean('final_nn'):.4f}, "
                  f"final label {mean('final_label'):.4f}")


if __name__ == "__main__":
    main()
