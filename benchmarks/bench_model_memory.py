"""Peak memory of the pairwise models per unit of their pairs (behind ``simulate.forecast.MODEL_BYTES``).

Run from the project root::

    .venv/bin/python benchmarks/bench_model_memory.py            # all configurations
    .venv/bin/python benchmarks/bench_model_memory.py small      # one of: small, medium

Configurations (synthetic scenarios as in ``bench_exchange.py``: positions U(0, 100), saliences U(0.1, 1),
capabilities U(0.1, 1), every actor on every issue; one round):

* ``small``:  ``exchange`` at 150 actors x 5 issues;
* ``medium``: ``exchange`` at 300 actors x 5 issues.

Each run happens in a fresh interpreter with the kernels compiled first on a 3 x 2 scenario
(``PENINSULA_JIT=compile``), so the baseline holds the imports and the compiled code. The script prints the
process's peak resident memory before and after the run, the increase, and the increase per actor pair x
issue pair (``n² k²``: the unit of ``MODEL_BYTES``'s second entry). ``eu`` and ``eu-masad`` hold O(n) memory
above ``kernels.eu.STREAM_ACTORS`` actors: ``bench_eu.py huge`` measures them. Nothing is asserted: the
numbers depend on the machine and its load (printed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIGURATIONS: dict[str, tuple[str, int, int]] = {
    "small": ("exchange", 150, 5),
    "medium": ("exchange", 300, 5),
}

RUN = r"""
import resource, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_exchange import synthetic
from peninsula.models import get_model
model = get_model({name!r})()
model.run(synthetic(3, 2), rounds=1)
sc = synthetic({n}, {k})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
model.run(sc, rounds=1)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(before, after)
"""


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def bench(config: str) -> None:
    name, n, k = CONFIGURATIONS[config]
    env = dict(os.environ, PENINSULA_JIT="compile")
    load0 = _load()
    out = subprocess.run(
        [sys.executable, "-c", RUN.format(root=str(ROOT), name=name, n=n, k=k)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"{config}: the run failed:\n{out.stderr}")
    before, after = (int(v) for v in out.stdout.split()[-2:])
    pairs = n * n * k * k
    grew = max(after - before, 0)
    print(
        f"{config:7s} {name} {n} actors x {k} issues: peak RSS {before / 2**20:.0f} -> "
        f"{after / 2**20:.0f} MiB, "
        f"+{grew / 2**20:.0f} MiB = {grew / pairs:.1f} bytes per actor pair x issue pair "
        f"(load {load0} -> {_load()})"
    )


def main(argv: list[str]) -> None:
    for config in argv or list(CONFIGURATIONS):
        bench(config)


if __name__ == "__main__":
    main(sys.argv[1:])
