"""Benchmark: start-up wall times of the CLI, this tree beside the last release, measured in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py             # 7 alternating runs per command
    .venv/bin/python benchmarks/bench_startup.py --runs 15 --release 17834dd

For each of ``peninsula --help``, ``peninsula models`` and the default ``peninsula forecast`` it prints the
median and best wall time (a fresh Python process each time, numba kernels already cached) of this tree
and of the release (a ``git worktree`` of the release commit in a temporary folder, run with the same
interpreter and packages), their ratio, and the target of issue 10 (0.3 s, 0.5 s, 1.5 s). Runs alternate
between the two trees so that load on the (shared) machine hits both alike. Before timing, each tree runs
the forecast once untimed, so that its numba kernels are compiled and cached. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELEASE = "17834dd"  # the last release before issue 10
COMMANDS: dict[str, tuple[list[str], float]] = {
    "peninsula --help": (["--help"], 0.3),
    "peninsula models": (["models"], 0.5),
    "peninsula forecast": (["forecast"], 1.5),
}
# the console script's entry point, the same in both trees (cli.py then, the cli package now)
LAUNCH = "import sys; sys.argv[0] = 'peninsula'; from peninsula.cli import main; main()"


def run(src: Path, args: list[str]) -> float:
    """Wall time of one ``peninsula ARGS`` in a fresh process importing peninsula from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "120"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LAUNCH, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"`peninsula {' '.join(args)}` failed in {src}:\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    """Time every command in both trees and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per command and tree (default 7)")
    ap.add_argument("--release", default=RELEASE, help=f"release commit or tag (default {RELEASE})")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="peninsula-release-") as tmp:
        tree = Path(tmp) / "release"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.release],
            check=True,
            capture_output=True,
        )
        try:
            trees = {"this tree": ROOT / "src", f"release {args.release}": tree / "src"}
            for src in trees.values():  # compile and cache the numba kernels, untimed
                run(src, ["forecast"])
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):
                for cmd, (argv, _target) in COMMANDS.items():
                    for name, src in trees.items():
                        times.setdefault((cmd, name), []).append(run(src, argv))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    this, rel = trees
    print(f"{args.runs} alternating runs per command and tree; wall seconds (median / best)")
    print(f"{'command':20s} {this:>16s} {rel:>22s} {'ratio (median)':>15s} {'target':>7s}")
    for cmd, (_argv, target) in COMMANDS.items():
        a, b = times[cmd, this], times[cmd, rel]
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{cmd:20s} {ma:7.3f} / {min(a):6.3f} {mb:13.3f} / {min(b):6.3f} {ma / mb:15.2f} {target:7.1f}")


if __name__ == "__main__":
    main()
