"""Rebuild CHANGELOG.md's "Unreleased" section from the fragments in changelog.d/.

Fragments are named ``<issue>-<topic>.<type>.md`` with type ``added``, ``changed``, ``fixed`` or
``changed-forecasts``. Run from the repository root: ``.venv/bin/python scripts/build_changelog.py``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPES = {"changed-forecasts": "Changed forecasts", "added": "Added", "changed": "Changed", "fixed": "Fixed"}
HEADER = """# Changelog

Entries are collected from `changelog.d/` fragments (`<issue>-<topic>.<type>.md`, type `added`,
`changed`, `fixed` or `changed-forecasts`) by `scripts/build_changelog.py`. A change that moves any
forecast gets a `changed-forecasts` fragment saying which forecasts move and why.

## Unreleased (0.1.0)
"""


def main() -> None:
    fragments = sorted((ROOT / "changelog.d").glob("*.md"), key=lambda p: (int(p.name.split("-")[0]), p.name))
    out = [HEADER]
    for kind, title in TYPES.items():
        body = [p.read_text(encoding="utf-8").rstrip() for p in fragments if p.name.endswith(f".{kind}.md")]
        if body:
            out.append(f"\n### {title}\n\n" + "\n".join(body) + "\n")
    (ROOT / "CHANGELOG.md").write_text("".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
