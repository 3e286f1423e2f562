"""What if the allies had kept (or dropped) their exercises? Compare the three exercise levers.

Run from the project root::

    .venv/bin/python examples/whatif_exercises.py [OUT_DIR] [--sims N] [--model local_level|ingarch|posture]

For each lever (full, reduced, suspended) this simulates CNS launch events from June 2018 (the month the
Ulchi Freedom Guardian exercise was suspended) for 24 months with the launch model the rolling-origin
evaluation chooses (or ``--model``), prints the median window total with its 80%
interval against the recorded posture, and writes one fan chart per lever into OUT_DIR (default: the
current directory). The evidence is thin (72 months); read the intervals, not the point estimates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from peninsula.dynamics import load_data, parse_levers, run_whatif
from peninsula.reports.plots import plot_whatif


def main(argv: list[str]) -> None:
    """Run the comparison; ``argv`` is ``[OUT_DIR] [--sims N] [--model NAME]``."""
    sims = 2000
    model = None
    if "--sims" in argv:
        i = argv.index("--sims")
        sims = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    if "--model" in argv:
        i = argv.index("--model")
        model = argv[i + 1]
        argv = argv[:i] + argv[i + 2 :]
    out_dir = Path(argv[0]) if argv else Path()
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_data()
    print(f"CNS launch events 2018-06..2020-05, {sims} simulated paths, seed 0, model {model or 'default'}")
    for lever in ("full", "reduced", "suspended"):
        result = run_whatif(
            data, "2018-06", 24, parse_levers([f"exercises={lever}"]), n_sims=sims, rng=0, model=model
        )
        rec, alt = result.recorded.total_summary(), result.alternative.total_summary()
        diff = result.difference()
        png = out_dir / f"whatif_exercises_{lever}.png"
        plot_whatif(result, png)
        print(
            f"exercises={lever:<9} recorded {rec['p50']:.0f} [{rec['p10']:.0f}, {rec['p90']:.0f}]  "
            f"alternative {alt['p50']:.0f} [{alt['p10']:.0f}, {alt['p90']:.0f}]  "
            f"difference {diff['p50']:+.0f} [{diff['p10']:+.0f}, {diff['p90']:+.0f}]  -> {png}"
        )
    observed = sum(o for o in result.observed if o is not None)
    print(f"observed: {observed}")


if __name__ == "__main__":
    main(sys.argv[1:])
