"""Peak memory of reading a DECIDE file, per MB of input (target: under 20x the file size).

Run from the project root::

    .venv/bin/python benchmarks/bench_input_memory.py          # all configurations
    .venv/bin/python benchmarks/bench_input_memory.py small    # one of: small, large, refused

Configurations (named, as in Mesa's ``benchmarks/configurations.py``); rows look like the reference files'
(``#D;Actor_00012;Issue_003;37.5;0.85;0.247``, about 40 bytes):

* ``small``: 2,000 actors x 100 issues (200,000 stances, ~8 MB), and 10,000 actors x 1 issue;
* ``large``: 1,000 actors x 1,000 issues (the 1,000,000-stance limit, ~40 MB);
* ``refused``: the issue's case, 1.2 million actors with one stance each (~50 MB), over the actor limit.

Each file is read by ``peninsula.io.load`` in a fresh interpreter; the script prints the file size, the
interpreter's peak resident memory before reading (imports done) and after, and the ratio of the increase
to the file size (the number the target is about), plus the total peak per MB. Nothing is asserted: the
numbers depend on the machine and its load.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

CONFIGS: dict[str, list[tuple[str, int, int]]] = {
    "small": [("2000x100", 2_000, 100), ("10000x1", 10_000, 1)],
    "large": [("1000x1000", 1_000, 1_000)],
    "refused": [("1.2M actors", 1_200_000, 1)],
}

MEASURE = """
import resource, sys, time
import peninsula.io
from peninsula.core import InputError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    s = peninsula.io.load(sys.argv[1])
    what = f"{len(s.stances)} stances"
except InputError as exc:
    what = "refused: " + str(exc).splitlines()[1].strip()[:90]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after, time.perf_counter() - t0, what, sep="\\t")
"""


def write_file(path: Path, n_actors: int, n_issues: int) -> None:
    """A DECIDE file with ``n_actors`` x ``n_issues`` stances, rows in the reference files' style (short
    rows for the refused case, ~42 bytes per actor as in the issue's 50 MB file)."""
    if n_actors > 100_000:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("#P;I;the issue\n")
            for i in range(n_actors):
                fh.write(f"#A;A{i}\n#D;A{i};I;{i % 101};0.{i % 9 + 1};1\n")
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("#O;generated for bench_input_memory\n")
        for j in range(n_issues):
            fh.write(f"#P;Issue_{j:03d};issue number {j}\n")
            fh.write(f"#M;Issue_{j:03d};0;low\n#M;Issue_{j:03d};100;high\n")
        for i in range(n_actors):
            fh.write(f"#A;Actor_{i:05d};Actor {i}\n")
        for i in range(n_actors):
            for j in range(n_issues):
                pos = (i * 7 + j * 13) % 201 / 2
                sal, power = f"0.{(i + j) % 9 + 1}5", f"0.{(i * 3 + j) % 997:03d}"
                fh.write(f"#D;Actor_{i:05d};Issue_{j:03d};{pos};{sal};{power}\n")


def measure(name: str, n_actors: int, n_issues: int, folder: Path) -> None:
    """Write one file, read it in a fresh interpreter and print the memory figures."""
    path = folder / f"bench_{n_actors}x{n_issues}.csv"
    write_file(path, n_actors, n_issues)
    mb = path.stat().st_size / 1e6
    r = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    before, after, seconds, what = r.stdout.strip().split("\t")
    b, a = int(before) / 1024, int(after) / 1024  # ru_maxrss is in KiB on Linux
    print(
        f"{name:12s} {mb:6.1f} MB  RSS before {b:6.0f} MiB, peak {a:6.0f} MiB  "
        f"increase/MB {(a - b) / mb:5.1f}x  peak/MB {a / mb:5.1f}x  {float(seconds):5.1f} s  ({what})"
    )
    path.unlink()


def main(names: list[str]) -> None:
    """Run the named configurations (all when none is named)."""
    with tempfile.TemporaryDirectory() as tmp:
        for config in names or list(CONFIGS):
            for name, n_actors, n_issues in CONFIGS[config]:
                measure(name, n_actors, n_issues, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
