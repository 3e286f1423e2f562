"""Reader for Bueno de Mesquita tables (CSV or ``.xlsx``): one row per actor, one issue per file.

Columns (case-insensitive, any order, other columns ignored):

* actor name: ``Actor`` or ``Stakeholder``;
* capability: ``Capability``, ``Resources``, ``Power`` or ``Clout`` (ratio scale >= 0);
* ``Position`` (the issue's scale is the range of the positions in the file);
* ``Salience`` (0-1; a file whose saliences exceed 1 is read as 0-100 and divided by 100, with a
  :class:`~peninsula.io.decide.SalienceScaleWarning`).

CR, LF and CRLF line endings are accepted (the replication's files use bare CR).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from peninsula.core import Actor, InputError, InputProblem, Issue, Scenario, Source, Stance
from peninsula.core.limits import MAX_ACTORS, MAX_FIELD_CHARS, MAX_FILE_BYTES
from peninsula.io._text import check_path, csv_rows, field_too_long, parse_float, read_text
from peninsula.io.decide import SalienceScaleWarning

_CONTROL = frozenset(chr(c) for c in (*range(32), 127))

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder"),
    "capability": ("capability", "resources", "power", "clout"),
    "position": ("position",),
    "salience": ("salience",),
}


def _check_unpacked(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than :data:`~peninsula.core.limits.MAX_FILE_BYTES`,
    from the zip directory alone, before anything is decompressed (a 394 kB "zip bomb" unpacked to 400 MB
    and took 777 MB to read)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError.single(path.name, None, "file", f"not a readable .xlsx workbook ({exc})") from None
    total = sum(max(z.file_size, 0) for z in parts)
    if total > MAX_FILE_BYTES:
        biggest = max(parts, key=lambda z: z.file_size)
        raise InputError.single(
            path.name,
            None,
            "file",
            f"the workbook unpacks to {total / 2**20:,.0f} MiB ({biggest.filename}: "
            f"{biggest.file_size / 2**20:,.0f} MiB), over the input limit of {MAX_FILE_BYTES // 2**20} MiB "
            "(see docs/limits.md)",
        )


def _rows_from_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl

    _check_unpacked(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError.single(path.name, None, "file", f"not a readable .xlsx workbook ({exc})") from None
    rows: list[tuple[int, list[str]]] = []
    try:
        ws = wb.worksheets[0]
        filled = 0  # non-blank rows so far: the header and the actors (blank rows are not actors)
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else str(v) for v in row[:64]]
            if not any(c.strip() for c in cells):
                continue
            if filled > MAX_ACTORS:
                raise InputError.single(
                    path.name, n, "actor", f"more than {MAX_ACTORS:,} actors: over the input limit"
                )
            if any(len(c) > MAX_FIELD_CHARS for c in cells):
                raise field_too_long(n, path.name)
            rows.append((n, cells))
            filled += 1
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise InputError.single(path.name, None, "file", f"not a readable .xlsx workbook ({exc})") from None
    finally:
        wb.close()
    return rows


def _rows_from_csv(path: Path) -> list[tuple[int, list[str]]]:
    text = read_text(path, path.name)
    sample = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=sample.count)
    # blank lines (a final newline included) are not actors: count the header and the filled rows only
    rows = [(n, r) for n, r in csv_rows(text, path.name, delimiter=delimiter) if any(c.strip() for c in r)]
    if len(rows) > MAX_ACTORS + 1:
        raise InputError.single(
            path.name,
            rows[MAX_ACTORS + 1][0],
            "actor",
            f"more than {MAX_ACTORS:,} actors: over the input limit (see docs/limits.md)",
        )
    return rows


def read_bdm(path: str | Path) -> Scenario:
    """Load a Bueno de Mesquita table (CSV or ``.xlsx``) as a one-issue scenario.

    The issue's id is the file's stem; its scale runs from the smallest to the largest position in the
    file. Capabilities are kept as given (only their ratios matter to the models). Every number carries a
    ``dataset`` source naming the file and line.

    Raises
    ------
    InputError
        With every problem in the file (file, line, field).
    """
    p = Path(path)
    name = p.name
    check_path(p, name)
    rows = _rows_from_xlsx(p) if p.suffix.lower() in (".xlsx", ".xlsm") else _rows_from_csv(p)
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError.single(name, None, "file", "empty: no header row")
    header_line, header = rows[0]
    lower = [h.strip().lower() for h in header]
    col: dict[str, int] = {}
    problems: list[InputProblem] = []
    for field, names in COLUMN_NAMES.items():
        hits = [k for k, h in enumerate(lower) if h in names]
        if not hits:
            problems.append(
                InputProblem(
                    name, header_line, field, f"no column for {field} (expected one of: {', '.join(names)})"
                )
            )
        elif len(hits) > 1:
            problems.append(
                InputProblem(
                    name,
                    header_line,
                    field,
                    f"{len(hits)} columns could be {field}: {', '.join(header[k] for k in hits)}",
                )
            )
        else:
            col[field] = hits[0]
    if problems:
        raise InputError(problems)

    parsed: list[tuple[int, str, float, float, float]] = []
    seen: dict[str, int] = {}
    for n, row in rows[1:]:
        cells = {f: (row[k].strip() if k < len(row) else "") for f, k in col.items()}
        actor = cells["actor"]
        ctx = f"actor '{actor}'" if actor else ""
        ok = True
        if not actor:
            problems.append(InputProblem(name, n, "actor", "empty actor name"))
            ok = False
        elif any(c in _CONTROL for c in actor):
            problems.append(
                InputProblem(name, n, "actor", f"{actor[:40]!r} contains a control character (tab, newline)")
            )
            ok = False
        elif actor in seen:
            problems.append(
                InputProblem(name, n, "actor", f"actor '{actor}' appears twice (first on line {seen[actor]})")
            )
            ok = False
        seen.setdefault(actor, n)
        values: dict[str, float] = {}
        for field in ("capability", "position", "salience"):
            try:
                values[field] = parse_float(cells[field])
            except ValueError as exc:
                problems.append(InputProblem(name, n, field, str(exc), ctx))
                ok = False
                continue
            if field != "position" and values[field] < 0:
                problems.append(
                    InputProblem(name, n, field, f"negative ({values[field]:g}); must be >= 0", ctx)
                )
                ok = False
        if ok:
            parsed.append((n, actor, values["capability"], values["position"], values["salience"]))
    if not problems and not parsed:
        problems.append(InputProblem(name, header_line, "file", "no actor rows after the header"))
    sal_max = max((r[4] for r in parsed), default=0.0)
    if sal_max > 100:
        problems += [
            InputProblem(name, r[0], "salience", f"{r[4]:g} exceeds 100", f"actor '{r[1]}'")
            for r in parsed
            if r[4] > 100
        ]
    if problems:
        raise InputError(problems)
    scale = 100.0 if sal_max > 1 else 1.0
    if scale != 1.0:
        warnings.warn(
            f"{name}: saliences run to {sal_max:g}; reading them as 0-100 and dividing by 100",
            SalienceScaleWarning,
            stacklevel=2,
        )
    positions = [r[3] for r in parsed]
    if min(positions) == max(positions):
        raise InputError.single(
            name,
            header_line,
            "position",
            f"every position is {positions[0]:g}: the issue's scale is the range of the positions, and a "
            "scale needs two different positions",
        )
    issue_id = p.stem
    actors, stances = [], []
    for n, actor, cap, pos, sal in parsed:
        src = Source(kind="dataset", file=name, row=f"line {n}")
        actors.append(Actor(id=actor, name=actor, capability=cap, capability_source=src))
        stances.append(
            Stance(
                actor=actor,
                issue=issue_id,
                position=pos,
                salience=sal / scale,
                sources={"position": src, "salience": src},
            )
        )
    issue = Issue(
        id=issue_id,
        description=f"the issue of {name} (scale: the range of its positions)",
        lower=min(positions),
        upper=max(positions),
    )
    return Scenario(
        id=p.stem,
        title=p.stem,
        actors=tuple(actors),
        issues=(issue,),
        stances=tuple(stances),
        metadata={"format": "bdm", "salience_scale": f"{scale:g}"},
    )
