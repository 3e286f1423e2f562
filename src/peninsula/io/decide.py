"""Reader and writer for DECIDE exchange-model input files.

Format (one record per line, first field the row type):

=====  ==============================================================
``#A`` actor_id, full_name, comment
``#P`` issue_id, description (further fields are joined into it)
``#M`` issue_id, position, label: a point on the scale; the issue's bounds are the min/max ``#M``
       positions, 0-100 without any
``#D`` actor_id, issue_id, position, salience, power, comment
``#/`` comment
``#O`` file title
=====  ==============================================================

Fields are separated by tabs, semicolons or commas and may be quoted with ``'`` or ``"``. Unlike the
upstream tool, the delimiter is found from what follows the row tag on each line, so a ``#`` at the start
of a line never fools the detection. Every invalid row is reported (file, line, field); none is dropped.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from peninsula.core import Actor, InputError, InputProblem, Issue, ScalePoint, Scenario, Source, Stance
from peninsula.io._text import parse_float, read_text

TAGS = ("#A", "#P", "#M", "#D", "#/", "#O")
_DELIMITERS = ("\t", ";", ",")


class SalienceScaleWarning(UserWarning):
    """Saliences were given on 0-100 and have been divided by 100."""


def looks_like_decide(text: str) -> bool:
    """``True`` if the first non-blank line starts with a DECIDE row tag (quoted or not)."""
    for line in text.split("\n"):
        s = line.strip()
        if s:
            return s.lstrip("'\"").startswith("#")
    return False


def _detect_dialect(lines: list[str]) -> tuple[str, str]:
    """(delimiter, quotechar): the character after each row tag, by majority; the quote from the tag."""
    delims: Counter[str] = Counter()
    quotes: Counter[str] = Counter()
    for line in lines:
        s = line.lstrip()
        q = s[0] if s[:1] in ("'", '"') else ""
        body = s[len(q) :]
        if len(body) >= 2 and body[:2] in TAGS:
            rest = body[2 + len(q) :]
            if rest[:1] in _DELIMITERS:
                delims[rest[0]] += 1
            quotes[q] += 1
    delimiter = delims.most_common(1)[0][0] if delims else "\t"
    quote = next((q for q, _ in quotes.most_common() if q), "'")
    return delimiter, quote


def read_decide(path: str | Path) -> Scenario:
    """Load a DECIDE input file as a :class:`~peninsula.core.Scenario`.

    Positions stay on each issue's own scale. ``power`` becomes the stance's issue-specific capability.
    Saliences above 1 (the upstream validator accepts 0-100) are divided by 100 with a
    :class:`SalienceScaleWarning`. Every number carries a ``dataset`` source naming the file and line.

    Raises
    ------
    InputError
        With every problem in the file (file, line, field, actor and issue).
    """
    p = Path(path)
    name = p.name
    text = read_text(p)
    lines = text.split("\n")
    delimiter, quote = _detect_dialect(lines)
    problems: list[InputProblem] = []

    def bad(line: int, field: str, msg: str, ctx: str = "") -> None:
        problems.append(InputProblem(name, line, field, msg, ctx))

    title = ""
    comments: list[str] = []
    actors: dict[str, dict[str, object]] = {}
    issues: dict[str, dict[str, object]] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    mark_lines: dict[str, int] = {}
    rows_d: list[tuple[int, str, str, float, float, float, str]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar=quote))
        fields = [f.strip() for f in fields]
        tag = fields[0] if fields else ""
        if tag not in TAGS:
            bad(n, "row type", f"unknown row type {tag[:20]!r}: expected one of {', '.join(TAGS)}")
            continue
        args = fields[1:]
        if tag == "#O":
            title = " ".join(a for a in args if a)
        elif tag == "#/":
            comments.append(delimiter.join(args).rstrip(delimiter))
        elif tag == "#A":
            if not args or not args[0]:
                bad(n, "actor_id", "#A row without an actor id")
                continue
            if args[0] in actors:
                bad(n, "actor_id", f"actor '{args[0]}' is defined twice", f"actor '{args[0]}'")
                continue
            actors[args[0]] = {
                "id": args[0],
                "name": args[1] if len(args) > 1 else "",
                "description": " ".join(a for a in args[2:] if a),
                "line": n,
            }
        elif tag == "#P":
            if not args or not args[0]:
                bad(n, "issue_id", "#P row without an issue id")
                continue
            if args[0] in issues:
                bad(n, "issue_id", f"issue '{args[0]}' is defined twice", f"issue '{args[0]}'")
                continue
            issues[args[0]] = {"id": args[0], "description": " ".join(a for a in args[1:] if a), "line": n}
        elif tag == "#M":
            if len(args) < 2:
                bad(n, "position", "#M row needs an issue id and a position")
                continue
            try:
                value = parse_float(args[1])
                marks.setdefault(args[0], []).append((value, " ".join(args[2:]).strip()))
                mark_lines.setdefault(args[0], n)
            except ValueError:
                bad(n, "position", f"not a number: {args[1]!r}", f"issue '{args[0]}'")
        else:  # "#D"
            if len(args) < 5:
                bad(
                    n,
                    "row",
                    f"#D row needs actor, issue, position, salience and power; it has {len(args)} field(s)",
                )
                continue
            actor, issue = args[0], args[1]
            ctx = f"actor '{actor}', issue '{issue}'"
            values: list[float] = []
            for field, raw in zip(("position", "salience", "power"), args[2:5], strict=True):
                try:
                    values.append(parse_float(raw))
                except ValueError:
                    bad(n, field, f"not a number: {raw!r}", ctx)
            if len(values) < 3:
                continue
            if values[1] < 0:
                bad(n, "salience", f"negative ({values[1]:g}); salience must be >= 0", ctx)
            if values[2] < 0:
                bad(n, "power", f"negative ({values[2]:g}); power must be >= 0", ctx)
            rows_d.append((n, actor, issue, values[0], values[1], values[2], " ".join(args[5:]).strip()))

    bounds: dict[str, tuple[float, float]] = {}
    for iid, info in issues.items():
        vals = [v for v, _ in marks.get(iid, [])]
        if not vals:
            bounds[iid] = (0.0, 100.0)
        elif min(vals) == max(vals):
            bad(
                int(str(info["line"])),
                "#M",
                f"the #M rows give one point ({vals[0]:g}): a scale needs two",
                f"issue '{iid}'",
            )
            bounds[iid] = (vals[0], vals[0])
        else:
            bounds[iid] = (min(vals), max(vals))
    for iid in marks:
        if iid not in issues:
            bad(
                mark_lines[iid],
                "issue_id",
                f"#M rows for issue '{iid}', which has no #P row",
                f"issue '{iid}'",
            )

    scale_salience = any(r[4] > 1 for r in rows_d)
    if scale_salience:
        if any(r[4] > 100 for r in rows_d):
            for r in rows_d:
                if r[4] > 100:
                    bad(r[0], "salience", f"{r[4]:g} exceeds 100", f"actor '{r[1]}', issue '{r[2]}'")
        else:
            warnings.warn(
                f"{name}: saliences above 1 found; reading every salience as 0-100 and dividing by 100",
                SalienceScaleWarning,
                stacklevel=2,
            )
    seen: dict[tuple[str, str], int] = {}
    stances: list[Stance] = []
    for n, actor, issue, pos, sal, power, note in rows_d:
        ctx = f"actor '{actor}', issue '{issue}'"
        ok = True
        if actor not in actors:
            bad(n, "actor_id", f"actor '{actor}' has no #A row", ctx)
            ok = False
        if issue not in issues:
            bad(n, "issue_id", f"issue '{issue}' has no #P row", ctx)
            ok = False
        elif not bounds[issue][0] <= pos <= bounds[issue][1]:
            lo, hi = bounds[issue]
            bad(n, "position", f"{pos:g} lies outside the issue's scale [{lo:g}, {hi:g}]", ctx)
            ok = False
        if (actor, issue) in seen:
            bad(n, "row", f"second #D row for this pair (first on line {seen[(actor, issue)]})", ctx)
            ok = False
        seen.setdefault((actor, issue), n)
        if not ok or sal < 0 or power < 0 or (scale_salience and sal > 100):
            continue
        src = Source(kind="dataset", file=name, row=f"line {n}")
        stances.append(
            Stance(
                actor=actor,
                issue=issue,
                position=pos,
                salience=sal / 100 if scale_salience else sal,
                capability=power,
                note=note,
                sources={"position": src, "salience": src, "capability": src},
            )
        )
    if problems:
        raise InputError(sorted(problems, key=lambda q: q.line or 0))

    issue_models = [
        Issue(
            id=iid,
            description=str(info["description"]),
            lower=bounds[iid][0],
            upper=bounds[iid][1],
            points=tuple(ScalePoint(value=v, label=lab) for v, lab in marks.get(iid, []) if lab),
        )
        for iid, info in issues.items()
    ]
    actor_models = [
        Actor(id=a, name=str(info["name"]), description=str(info["description"]))
        for a, info in actors.items()
    ]
    metadata = {"format": "decide"}
    if comments:
        metadata["comments"] = "\n".join(comments)
    try:
        return Scenario(
            id=p.stem,
            title=title,
            actors=tuple(actor_models),
            issues=tuple(issue_models),
            stances=tuple(stances),
            metadata=metadata,
        )
    except ValidationError as exc:  # cross-checks already done above; kept so nothing slips through raw
        raise InputError(
            [
                InputProblem(name, None, ".".join(map(str, e["loc"])) or "scenario", e["msg"])
                for e in exc.errors()
            ]
        ) from None


def write_decide(scenario: Scenario, path: str | Path) -> list[str]:
    """Write ``scenario`` as a DECIDE input file (tab-separated, strings in single quotes).

    Issue bounds and labelled points become ``#M`` rows; each stance's capability (its own, else its
    actor's) becomes ``power``. Returns the list of things the DECIDE format cannot hold and that were
    therefore left out (status quo values, units, sources, actor kinds, dates), so callers can warn.
    """
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    if scenario.title:
        w.writerow(["#O", scenario.title])
    for c in scenario.metadata.get("comments", "").split("\n") if scenario.metadata.get("comments") else []:
        w.writerow(["#/", c])
    for a in scenario.actors:
        w.writerow(["#A", a.id, a.name, a.description])
    for i in scenario.issues:
        w.writerow(["#P", i.id, i.description])
        labelled = {p.value for p in i.points}
        for v in (i.lower, i.upper):
            if v not in labelled:
                w.writerow(["#M", i.id, float(v)])
        for pt in i.points:
            w.writerow(["#M", i.id, float(pt.value), pt.label])
    for s in scenario.stances:
        w.writerow(
            [
                "#D",
                s.actor,
                s.issue,
                float(s.position),
                float(s.salience),
                float(scenario.capability_of(s)),
                s.note,
            ]
        )
    Path(path).write_text(buf.getvalue(), encoding="utf-8")
    lost: list[str] = []
    if any(i.status_quo is not None for i in scenario.issues):
        lost.append("status quo values")
    if any(i.unit for i in scenario.issues):
        lost.append("issue units")
    sources = [src for s in scenario.stances for src in s.sources.values()]
    sources += [a.capability_source for a in scenario.actors if a.capability_source]
    if any(src.kind != "dataset" for src in sources):  # dataset rows are re-made when the file is read
        lost.append("seed and coded sources")
    if any(a.kind != "state" for a in scenario.actors):
        lost.append("actor kinds")
    if scenario.date is not None:
        lost.append("the scenario date")
    return lost
