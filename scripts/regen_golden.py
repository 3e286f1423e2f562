"""Regenerate the golden seeded outputs in ``tests/reference/golden/`` (explicit; never run in CI).

Run from the repository root::

    .venv/bin/python scripts/regen_golden.py                      # every pair and every command run
    .venv/bin/python scripts/regen_golden.py -s korea-2019-04 -m eu   # a subset of the pairs
    .venv/bin/python scripts/regen_golden.py -r backtest-events   # one launch-dynamics run (repeatable)
    .venv/bin/python scripts/regen_golden.py --check              # compare only; exit 1 on a difference

It writes one file per (Korea scenario, model) pair and one per launch-dynamics command run
(``tests.golden.runs``) atomically, removes files that no longer match a pair or a run (full runs only),
and lists what changed. Review the diff (``git diff tests/reference/golden``) before committing: a changed
forecast also needs a ``changelog.d/<issue>-<topic>.changed-forecasts.md`` fragment.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.golden import (  # noqa: E402
    GOLDEN_DIR,
    differences,
    dumps,
    golden_document,
    golden_path,
    pairs,
    run_path,
    runs,
)

from peninsula.io.atomic import write_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with ``--check`` compare) the golden files; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-s", "--scenario", action="append", help="only this scenario id (repeatable)")
    ap.add_argument("-m", "--model", action="append", help="only this model (repeatable)")
    ap.add_argument("-r", "--run", action="append", help="only this launch-dynamics run (repeatable)")
    ap.add_argument(
        "--check", action="store_true", help="compare only, write nothing; exit 1 on a difference"
    )
    args = ap.parse_args(argv)

    subset = bool(args.scenario or args.model or args.run)
    todo = [(s, m) for s, m in pairs()
            if (args.scenario or args.model or not args.run)
            and (not args.scenario or s in args.scenario) and (not args.model or m in args.model)]
    builders = runs()
    unknown = sorted(set(args.run or ()) - set(builders))
    if unknown:
        ap.error(f"unknown run(s) {unknown}; known: {sorted(builders)}")
    todo_runs = [r for r in builders if (args.run and r in args.run) or not subset]
    if not todo and not todo_runs:
        ap.error("no (scenario, model) pair matches")
    jobs = [(golden_path(s, m), lambda s=s, m=m: golden_document(s, m)) for s, m in todo]
    jobs += [(run_path(r), builders[r]) for r in todo_runs]
    changed = 0
    for path, build in jobs:
        doc = build()
        text = dumps(doc)
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if old == text:
            status = "unchanged"
        elif old is None:
            status, changed = "new", changed + 1
        else:
            diff = differences(json.loads(old), doc, limit=3)
            status = "changed" + (": " + "; ".join(diff) if diff else " (within tolerance)")
            changed += 1
        if not args.check and old != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text)
        print(f"{path.relative_to(ROOT)}: {status}", flush=True)
    if not subset:
        wanted = {path for path, _ in jobs}
        for stale in sorted(set(GOLDEN_DIR.glob("*.json")) - wanted):
            changed += 1
            print(f"{stale.relative_to(ROOT)}: stale (no such pair)" + ("" if args.check else "; removed"))
            if not args.check:
                stale.unlink()
    tail = " (check only)" if args.check else ""
    print(f"{len(todo)} pairs, {len(todo_runs)} runs, {changed} new/changed/stale{tail}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
