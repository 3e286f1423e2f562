"""Re-run the before/after forecast tables of docs/scenarios.md ("Before and after the recoding, with the
record").

Run from the repository root (about half a minute: six ``peninsula forecast`` runs)::

    .venv/bin/python scripts/scenarios_tables.py          # print the cells that differ from main's forecasts
    .venv/bin/python scripts/scenarios_tables.py --check  # the same, exit 1 if any cell differs
    .venv/bin/python scripts/scenarios_tables.py --write  # rewrite the "after" side (and the record column)

Each snapshot's forecasts come from ``peninsula forecast SNAPSHOT --against-record --seed 0 --format json``
(seed 0, the goldens' seed; only ``exchange-random`` reads it). A cell "a → b" keeps its "before" (the library
before issue 22) and gets main's value as "after"; a single number is one that did not move; ``korea-2022-05``
(new in issue 22) has single numbers only. Numbers are printed as on the page: 0 as "0", thousands with a
comma and no decimals, 100-999 without decimals, 10-99.9 with one decimal, below 10 three significant digits.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"
PENINSULA = ROOT / ".venv" / "bin" / "peninsula"
NEW_SNAPSHOT = "korea-2022-05"
START = "## Before and after the recoding, with the record"
END = "### Still wrong, and why"


def fmt(x: float | None) -> str:
    """Format a forecast or record value as the page does."""
    if x is None:
        return "–"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def forecast(snapshot: str) -> dict[str, Any]:
    """Every registered model's forecast of ``snapshot`` with its record (the CLI's JSON document)."""
    cmd = [str(PENINSULA), "forecast", snapshot, "--against-record", "--seed", "0", "--format", "json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    doc: dict[str, Any] = json.loads(out)
    return doc


def rerun(lines: list[str]) -> tuple[list[str], list[str]]:
    """The page's lines with every table row re-run, and a description of each cell that changed."""
    start, end = lines.index(START), lines.index(END)
    out = list(lines)
    changes: list[str] = []
    snapshot = ""
    data: dict[str, Any] | None = None
    header: list[str] = []
    for n in range(start, end):
        line = lines[n]
        m = re.match(r"\*\*(korea-\d{4}-\d{2})\*\*", line)
        if m:
            snapshot = m.group(1)
            data = forecast(snapshot)
            continue
        if data is None or not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "issue":
            header = cells
            continue
        if set(cells[0]) <= {"-"}:
            continue
        issue = cells[0].strip("`")
        record = data["record"].get(issue)
        rec = "–" if record is None else fmt(record["value"])
        if record is not None and record.get("agreement") is False:
            rec += " no agreement"
        if rec != cells[1]:
            changes.append(f"{snapshot} {issue} record: page {cells[1]!r}, run {rec!r}")
        row = [cells[0], rec]
        for k, model in enumerate(header[2:], start=2):
            value = fmt(data["models"][model]["issues"][issue]["outcome"])
            before, _, after = cells[k].rpartition(" → ")
            if not before or snapshot == NEW_SNAPSHOT:
                before = after
            if after != value:
                changes.append(f"{snapshot} {issue} {model}: page {after!r}, run {value!r}")
            row.append(value if before == value or snapshot == NEW_SNAPSHOT else f"{before} → {value}")
        out[n] = "| " + " | ".join(row) + " |"
    return out, changes


def main(argv: list[str]) -> int:
    """Print the differences; ``--check`` exits 1 on any, ``--write`` rewrites the page."""
    text = DOC.read_text(encoding="utf-8")
    lines, changes = rerun(text.split("\n"))
    for change in changes:
        print(change)
    print(f"{len(changes)} cell(s) differ from main's forecasts")
    if "--write" in argv and changes:
        DOC.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 1 if "--check" in argv and changes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
