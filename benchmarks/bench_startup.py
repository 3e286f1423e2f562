"""Benchmark: start-up wall times of the CLI, this tree beside the last release, and the cold first run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py             # 7 alternating runs per command, then cold
    .venv/bin/python benchmarks/bench_startup.py --runs 15 --release 17834dd
    .venv/bin/python benchmarks/bench_startup.py --cold-only # only the cold first run

**Cold first run** (issue 26: <= 15 s on this machine, all kernels): a fresh copy of ``src/`` as an install
would leave it (byte-compiled, no ``__pycache__`` of numba) and an empty ``NUMBA_CACHE_DIR``, then the
Quick start's first command, ``peninsula forecast`` (every model), timed from the shell's point of view;
its ``--timings`` lines give each model's kernel load/compile time. On that cold start the small default
scenario runs the kernels as plain Python and a background process compiles them
(``kernels/_cold.py``); the benchmark waits for it and prints how long it took. Then the first
``peninsula sweep`` (1,000 draws, every model) in the same fresh install: its compiled loops over draws
compile then. The same commands run again
(kernels cached) for comparison. The machine's load average is printed beside the figures.

For each of ``peninsula --help``, ``peninsula models`` and the default ``peninsula forecast`` it prints the
median and best wall time (a fresh Python process each time, numba kernels already cached) of this tree
and of the release (a ``git worktree`` of the release commit in a temporary folder, run with the same
interpreter and packages), their ratio, and the target of issue 10 (0.3 s, 0.5 s, 1.5 s). Runs alternate
between the two trees so that load on the (shared) machine hits both alike. Before timing, each tree runs
the forecast once untimed, so that its numba kernels are compiled and cached. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
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


def _cold_run(src: Path, cache: Path, args: list[str]) -> tuple[float, str]:
    """Wall time and stderr of ``peninsula ARGS`` importing from ``src`` with numba's cache in ``cache``."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "120", "NUMBA_CACHE_DIR": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LAUNCH, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"`peninsula {' '.join(args)}` failed:\n{proc.stderr[-2000:]}")
    return seconds, proc.stderr


def _kernel_times(stderr: str) -> dict[str, float]:
    """``MODEL -> kernel seconds`` from ``timing MODEL SECONDS kernels SECONDS`` lines."""
    out = {}
    for m in re.finditer(r"^timing (\S+) ([0-9.eE+-]+) kernels ([0-9.eE+-]+)$", stderr, re.M):
        out[m.group(1)] = float(m.group(3))
    return out


def _wait_for_background_compile(src: Path, cache: Path) -> float:
    """Seconds until the background compile a cold first run starts (kernels/_cold.py) has finished."""
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(cache)}
    probe = "from peninsula.kernels._cold import _compile_running as r; print(int(r()))"
    t0 = time.perf_counter()
    time.sleep(1.0)  # let it take its lock
    while True:
        argv = [sys.executable, "-c", probe]
        out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        if out.stdout.strip() == "0":
            return time.perf_counter() - t0
        time.sleep(2.0)


def cold() -> None:
    """The first run after an install: a fresh byte-compiled copy of src/ and an empty numba cache."""
    with tempfile.TemporaryDirectory(prefix="peninsula-cold-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
        compileall.compile_dir(src, quiet=1)  # what pip does at install time
        cache = Path(tmp) / "numba-cache"
        cache.mkdir()
        load0 = os.getloadavg()[0]
        first, err = _cold_run(src, cache, ["forecast", "--timings", "--format", "json"])
        kernels = _kernel_times(err)
        background = _wait_for_background_compile(src, cache)
        sweep_args = ["sweep", "--draws", "1000", "--seed", "1", "--no-store", "--format", "json"]
        sweep, _ = _cold_run(src, cache, sweep_args)
        again, err2 = _cold_run(src, cache, ["forecast", "--timings", "--format", "json"])
        sweep2, _ = _cold_run(src, cache, sweep_args)
        load1 = os.getloadavg()[0]
    compiled = {m: s for m, s in kernels.items() if s >= 0.05}
    print(f"cold first run (fresh byte-compiled copy of src/, empty numba cache; load {load0:.1f} -> "
          f"{load1:.1f})")
    print(f"  peninsula forecast (every model): {first:.1f} s (target <= 15 s); again, kernels cached: "
          f"{again:.1f} s")
    print("  kernel load/compile inside it, by model: "
          + (", ".join(f"{m} {s:.1f} s" for m, s in compiled.items()) or "none over 0.05 s"))
    print(f"  the background compile it started (every kernel, lowest priority) ended {background:.0f} s "
          "after it")
    cached = _kernel_times(err2)
    print("  the same, kernels cached: " + ", ".join(f"{m} {cached.get(m, 0.0):.2f} s" for m in compiled))
    print(f"  then the first peninsula sweep (1,000 draws, every model): {sweep:.1f} s (compiles the sweep's "
          f"loops); again: {sweep2:.1f} s")


def main() -> None:
    """Time every command in both trees and print the table, then the cold first run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per command and tree (default 7)")
    ap.add_argument("--release", default=RELEASE, help=f"release commit or tag (default {RELEASE})")
    ap.add_argument("--cold-only", action="store_true", help="only the cold first run")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold first run")
    args = ap.parse_args()
    if args.cold_only:
        cold()
        return
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
    if not args.no_cold:
        cold()


if __name__ == "__main__":
    main()
