"""Build the Korea case library's DECIDE files and outcomes CSV from its YAML (the source of truth).

Run from the repository root::

    .venv/bin/python scripts/build_korea_cases.py           # writes decide/*.csv and outcomes.csv
    .venv/bin/python scripts/build_korea_cases.py --check   # compare only; exit 1 if a built file differs

``data/korea-cases/yaml/<case>.yaml`` holds each decision's actors, issues and positions before the decision,
every number with its source; ``data/korea-cases/outcomes.yaml`` holds each issue's real outcome with its
source. The outcomes CSV has one row per issue: ``issue_id``, ``proposal`` (the case, used to group issues
in the bootstrap and cross-validation), ``outcome``, ``agreement`` (1 if the parties concluded an agreement,
0 if the decision ended without one; issue 21), ``reference_point`` (the issue's status quo),
``lower``, ``upper``, ``unit``, ``decision_date`` and the outcome's source.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

from peninsula.io.atomic import write_text

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "data" / "korea-cases"
COLUMNS = (
    "issue_id",
    "proposal",
    "outcome",
    "agreement",
    "reference_point",
    "lower",
    "upper",
    "unit",
    "decision_date",
    "source_kind",
    "source",
)



def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def outcome_rows() -> list[dict[str, Any]]:
    """One row per issue of the library: outcome, status quo and scale (raises if an issue has no outcome)."""
    import yaml

    from peninsula.core import Source
    from peninsula.io import load

    doc = yaml.safe_load((LIB / "outcomes.yaml").read_text(encoding="utf-8"))
    outcomes = {o["issue_id"]: o for o in doc["outcomes"]}
    rows = []
    for path in sorted((LIB / "yaml").glob("*.yaml")):
        sc = load(path)
        for issue in sc.issues:
            o = outcomes.get(issue.id)
            if o is None:
                raise SystemExit(f"{path.name}: issue '{issue.id}' has no outcome in outcomes.yaml")
            if o["case"] != sc.id:
                raise SystemExit(f"outcomes.yaml: issue '{issue.id}' names case '{o['case']}', not '{sc.id}'")
            src = Source(**o["source"])
            where = src.url or (f"{src.file} [{src.row}]" if src.kind == "dataset" else src.evidence or "")
            rows.append(
                {
                    "issue_id": issue.id,
                    "proposal": sc.id,
                    "outcome": _num(float(o["outcome"])),
                    "agreement": str(int(o["agreement"])),
                    "reference_point": "" if issue.status_quo is None else _num(issue.status_quo),
                    "lower": _num(issue.lower),
                    "upper": _num(issue.upper),
                    "unit": issue.unit,
                    "decision_date": str(o["decision_date"]),
                    "source_kind": src.kind,
                    "source": where,
                }
            )
    return rows


def build(target: Path) -> list[Path]:
    """Write every DECIDE file and the outcomes CSV under ``target``; return the paths written."""
    import warnings

    from peninsula.io import load, save

    written = []
    for path in sorted((LIB / "yaml").glob("*.yaml")):
        out = target / "decide" / f"{path.stem}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            save(load(path), out)
        written.append(out)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(outcome_rows())
    write_text(target / "outcomes.csv", buf.getvalue())
    written.append(target / "outcomes.csv")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped files; write nothing")
    args = ap.parse_args(argv)
    if not args.check:
        for p in build(LIB):
            print(p.relative_to(ROOT))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        built = build(Path(tmp))
        stale = [
            p.relative_to(tmp)
            for p in built
            if not (LIB / p.relative_to(tmp)).is_file()
            or (LIB / p.relative_to(tmp)).read_bytes() != p.read_bytes()
        ]
    for p in stale:
        print(f"differs from a rebuild: data/korea-cases/{p}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
