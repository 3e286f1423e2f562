"""Regenerate the golden seeded outputs in ``tests/reference/golden/`` (explicit; never run in CI).

Run from the repository root::

    .venv/bin/python scripts/regen_golden.py                      # every (Korea scenario, model) pair
    .venv/bin/python scripts/regen_golden.py -s korea-2019-04 -m eu   # a subset
    .venv/bin/python scripts/regen_golden.py --check              # compare only; exit 1 on a difference

It writes one file per pair (atomically), removes files of pairs that no longer exist (full runs only),
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

from tests.golden import GOLDEN_DIR, differences, dumps, golden_document, golden_path, pairs  # noqa: E402

from peninsula.io.atomic import write_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with ``--check`` compare) the golden files; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-s", "--scenario", action="append", help="only this scenario id (repeatable)")
    ap.add_argument("-m", "--model", action="append", help="only this model (repeatable)")
    ap.add_argument(
        "--check", action="store_true", help="compare only, write nothing; exit 1 on a difference"
    )
    args = ap.parse_args(argv)

    todo = [(s, m) for s, m in pairs()
            if (not args.scenario or s in args.scenario) and (not args.model or m in args.model)]
    if not todo:
        ap.error("no (scenario, model) pair matches")
    changed = 0
    for scenario_id, model in todo:
        path = golden_path(scenario_id, model)
        doc = golden_document(scenario_id, model)
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
    if not args.scenario and not args.model:
        wanted = {golden_path(s, m) for s, m in todo}
        for stale in sorted(set(GOLDEN_DIR.glob("*.json")) - wanted):
            changed += 1
            print(f"{stale.relative_to(ROOT)}: stale (no such pair)" + ("" if args.check else "; removed"))
            if not args.check:
                stale.unlink()
    print(f"{len(todo)} pairs, {changed} new/changed/stale" + (" (check only)" if args.check else ""))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
