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
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from peninsula.core import Actor, InputError, InputProblem, Issue, ScalePoint, Scenario, Source, Stance
from peninsula.core.issue import scale_problem
from peninsula.core.limits import MAX_ACTORS, MAX_FIELD_CHARS, MAX_ISSUES, MAX_STANCES
from peninsula.io._text import field_too_long, parse_float, read_text
from peninsula.io.atomic import write_text

_M = TypeVar("_M", bound=BaseModel)

#: Most problems listed for one file (the rest would only repeat them).
MAX_PROBLEMS = 1_000

TAGS = ("#A", "#P", "#M", "#D", "#/", "#O")
_DELIMITERS = ("\t", ";", ",")


class SalienceScaleWarning(UserWarning):
    """Saliences were given on 0-100 and have been divided by 100."""


#: The largest power and salience the DECIDE client accepts (DECIDE 2025.3.1, as issue 10 records it).
DECIDE_LIMIT = 100.0


class DecideLimitWarning(UserWarning):
    """A power or salience above DECIDE's limit of 100 was rescaled when writing a DECIDE file."""


def looks_like_decide(text: str) -> bool:
    """``True`` if the first non-blank line starts with a DECIDE row tag (quoted or not)."""
    for line in text.split("\n"):
        s = line.strip()
        if s:
            return s.lstrip("'\"").startswith("#")
    return False


def _detect_dialect(lines: Iterable[str]) -> tuple[str, str]:
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


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, without copying the whole text (``io.StringIO`` would hold a
    copy at four bytes per character)."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _split(line: str, delimiter: str, quote: str) -> list[str]:
    """The stripped fields of one line (a line is always one record; a quote never spans lines)."""
    if quote not in line:
        return [f.strip() for f in line.split(delimiter)]
    return [f.strip() for f in next(csv.reader((line,), delimiter=delimiter, quotechar=quote), [])]


def _id_problem(value: str) -> str | None:
    bad = next((c for c in value if c in _CONTROL), None)
    if bad is not None:
        return f"{value[:40]!r} contains the control character {bad!r}; ids are one line of printable text"
    return None


_CONTROL = frozenset(chr(c) for c in (*range(32), 127))


_PLANS: dict[tuple[type, frozenset[str]], tuple[set[str], list[tuple[str, bool, Any, Any]]]] = {}


def _plan(cls: type[BaseModel], given: frozenset[str]) -> tuple[set[str], list[tuple[str, bool, Any, Any]]]:
    """Per class and set of given fields: the shared fields-set and, per field in declaration order,
    (name, given?, default, default factory)."""
    key = (cls, given)
    if key not in _PLANS:
        steps = [(n, n in given, f.default, f.default_factory) for n, f in cls.model_fields.items()]
        _PLANS[key] = (set(given), steps)
    return _PLANS[key]


def _trusted(cls: type[_M], **values: Any) -> _M:
    """An instance of ``cls`` from values already checked; fields not given take their defaults.

    Like ``cls.model_construct(**values)``, but the attributes are set one by one in declaration order so
    that CPython gives the instance a key-sharing dict (about 130 bytes instead of 400), and instances
    share one fields-set. ``tests/robustness/test_size_limits.py`` checks the result equals a validated
    instance.
    """
    fields_set, steps = _plan(cls, frozenset(values))
    obj = cls.__new__(cls)
    for name, given, default, factory in steps:
        value = values[name] if given else (factory() if factory is not None else default)
        object.__setattr__(obj, name, value)
    object.__setattr__(obj, "__pydantic_fields_set__", fields_set)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def read_decide(path: str | Path) -> Scenario:
    """Load a DECIDE input file as a :class:`~peninsula.core.Scenario`.

    Positions stay on each issue's own scale. ``power`` becomes the stance's issue-specific capability.
    Saliences above 1 (the upstream validator accepts 0-100) are divided by 100 with a
    :class:`SalienceScaleWarning`. Every number carries a ``dataset`` source naming the file and line.
    The file must be within the limits of :mod:`peninsula.core.limits` (size, field length, actors,
    issues, stances, magnitude of numbers); reading stops at the first row over a count limit.

    Raises
    ------
    InputError
        With every problem in the file (file, line, field, actor and issue).
    """
    p = Path(path)
    name = p.name
    text = read_text(p, name)
    delimiter, quote = _detect_dialect(_lines(text))
    problems: list[InputProblem] = []

    def bad(line: int | None, field: str, msg: str, ctx: str = "") -> None:
        problems.append(InputProblem(name, line, field, msg, ctx))

    def over(line: int, field: str, what: str, limit: int) -> InputError:
        return InputError.single(
            name, line, field, f"more than {limit:,} {what}: over the input limit (see docs/limits.md)"
        )

    title = ""
    comments: list[str] = []
    actors: dict[str, tuple[str, str, int]] = {}
    issues: dict[str, tuple[str, int]] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    mark_lines: dict[str, int] = {}
    # #D rows in compact columns: line, actor, issue, position, salience, power; notes only where given
    d_line, d_pos, d_sal, d_pow = array("q"), array("d"), array("d"), array("d")
    d_actor: list[str] = []
    d_issue: list[str] = []
    d_note: dict[int, str] = {}
    canon: dict[str, str] = {}
    for n, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_FIELD_CHARS:
            raise field_too_long(n, name)
        fields = _split(line, delimiter, quote)
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
            if (why := _id_problem(args[0])) is not None:
                bad(n, "actor_id", why)
                continue
            if args[0] in actors:
                bad(n, "actor_id", f"actor '{args[0]}' is defined twice", f"actor '{args[0]}'")
                continue
            if len(actors) >= MAX_ACTORS:
                raise over(n, "actor_id", "actors", MAX_ACTORS)
            actors[args[0]] = (args[1] if len(args) > 1 else "", " ".join(a for a in args[2:] if a), n)
            canon.setdefault(args[0], args[0])
        elif tag == "#P":
            if not args or not args[0]:
                bad(n, "issue_id", "#P row without an issue id")
                continue
            if (why := _id_problem(args[0])) is not None:
                bad(n, "issue_id", why)
                continue
            if args[0] in issues:
                bad(n, "issue_id", f"issue '{args[0]}' is defined twice", f"issue '{args[0]}'")
                continue
            if len(issues) >= MAX_ISSUES:
                raise over(n, "issue_id", "issues", MAX_ISSUES)
            issues[args[0]] = (" ".join(a for a in args[1:] if a), n)
            canon.setdefault(args[0], args[0])
        elif tag == "#M":
            if len(args) < 2:
                bad(n, "position", "#M row needs an issue id and a position")
                continue
            try:
                value = parse_float(args[1])
            except ValueError as exc:
                bad(n, "position", str(exc), f"issue '{args[0]}'")
                continue
            marks.setdefault(args[0], []).append((value, " ".join(args[2:]).strip()))
            mark_lines.setdefault(args[0], n)
        else:  # "#D"
            if len(args) < 5:
                bad(
                    n,
                    "row",
                    f"#D row needs actor, issue, position, salience and power; it has {len(args)} field(s)",
                )
                continue
            # the id strings of the #A/#P rows, so the rows of a large file share them
            actor, issue = canon.get(args[0], args[0]), canon.get(args[1], args[1])
            ctx = f"actor '{actor}', issue '{issue}'"
            values: list[float] = []
            for field, raw in zip(("position", "salience", "power"), args[2:5], strict=True):
                try:
                    values.append(parse_float(raw))
                except ValueError as exc:
                    bad(n, field, str(exc), ctx)
            if len(values) < 3:
                continue
            if values[1] < 0:
                bad(n, "salience", f"negative ({values[1]:g}); salience must be >= 0", ctx)
            if values[2] < 0:
                bad(n, "power", f"negative ({values[2]:g}); power must be >= 0", ctx)
            if len(d_line) >= MAX_STANCES:
                raise over(n, "row", "#D rows (stances)", MAX_STANCES)
            d_line.append(n)
            d_actor.append(actor)
            d_issue.append(issue)
            d_pos.append(values[0])
            d_sal.append(values[1])
            d_pow.append(values[2])
            note = " ".join(args[5:]).strip()
            if note:
                d_note[len(d_line) - 1] = note
        if len(problems) > MAX_PROBLEMS:
            break
    del text

    bounds: dict[str, tuple[float, float]] = {}
    for iid, (_, line_no) in issues.items():
        vals = [v for v, _ in marks.get(iid, [])]
        if not vals:
            bounds[iid] = (0.0, 100.0)
        elif min(vals) == max(vals):
            bad(
                line_no,
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

    sal_max = max(d_sal, default=0.0)
    scale_salience = sal_max > 1
    if scale_salience:
        if sal_max > 100:
            for k, sal in enumerate(d_sal):
                if sal > 100:
                    ctx = f"actor '{d_actor[k]}', issue '{d_issue[k]}'"
                    bad(d_line[k], "salience", f"{sal:g} exceeds 100", ctx)
        else:
            warnings.warn(
                f"{name}: saliences above 1 found; reading every salience as 0-100 and dividing by 100",
                SalienceScaleWarning,
                stacklevel=2,
            )
    seen: dict[tuple[str, str], int] = {}
    keep: list[int] = []
    for k, n in enumerate(d_line):
        actor, issue, pos, sal, power = d_actor[k], d_issue[k], d_pos[k], d_sal[k], d_pow[k]
        ctx = f"actor '{actor}', issue '{issue}'"
        ok = True
        if actor not in actors:
            bad(n, "actor_id", f"actor '{actor}' has no #A row", ctx)
            ok = False
        if issue not in issues:
            bad(n, "issue_id", f"issue '{issue}' has no #P row", ctx)
            ok = False
        elif (why := scale_problem(pos, *bounds[issue])) is not None:
            bad(n, "position", why, ctx)
            ok = False
        first = seen.setdefault((actor, issue), n)
        if first != n:
            bad(n, "row", f"second #D row for this pair (first on line {first})", ctx)
            ok = False
        if ok and sal >= 0 and power >= 0 and not (scale_salience and sal > 100):
            keep.append(k)
    del seen
    if not problems and not actors:
        bad(None, "#A", "no #A rows: a scenario needs at least one actor")
    if not problems and not issues:
        bad(None, "#P", "no #P rows: a scenario needs at least one issue")
    if problems:
        raise InputError(sorted(problems, key=lambda q: q.line or 0)[:MAX_PROBLEMS])

    # Built without re-validation (every check above is the validation), compactly: one Source per line
    # shared by the line's three numbers, ids shared with their actor and issue, and instance dicts
    # that share their keys (benchmarks/bench_input_memory.py measures the memory per MB of input).
    actor_ids = {a: a for a in actors}
    issue_ids = {i: i for i in issues}
    div = 100.0 if scale_salience else 1.0
    floats: dict[float, float] = {}

    def same(v: float) -> float:  # one float object per distinct value (files repeat values a lot)
        return floats.setdefault(v, v)

    stances: list[Stance] = []
    for k in keep:
        src = _trusted(Source, kind="dataset", file=name, row=f"line {d_line[k]}")
        stances.append(
            _trusted(
                Stance,
                actor=actor_ids[d_actor[k]],
                issue=issue_ids[d_issue[k]],
                position=same(d_pos[k]),
                salience=same(d_sal[k] / div),
                capability=same(d_pow[k]),
                sources={"position": src, "salience": src, "capability": src},
                note=d_note.get(k, ""),
            )
        )
    del d_actor, d_issue, d_pos, d_sal, d_pow, d_line, keep
    metadata = {"format": "decide"}
    if comments:
        metadata["comments"] = "\n".join(comments)
    try:
        issue_models = [
            Issue(
                id=iid,
                description=desc,
                lower=bounds[iid][0],
                upper=bounds[iid][1],
                points=tuple(ScalePoint(value=v, label=lab) for v, lab in marks.get(iid, []) if lab),
            )
            for iid, (desc, _) in issues.items()
        ]
        # ids checked above (non-empty, one line); names and descriptions are free text
        actor_models = [
            _trusted(Actor, id=a, name=nm, description=desc) for a, (nm, desc, _) in actors.items()
        ]
        return Scenario.model_construct(
            id=p.stem or "scenario",
            title=title,
            actors=tuple(actor_models),
            issues=tuple(issue_models),
            stances=tuple(stances),
            metadata=metadata,
        )
    except ValidationError as exc:  # Issue/Actor checks: cross-checks were all done above
        raise InputError(
            [
                InputProblem(name, None, ".".join(map(str, e["loc"])) or "scenario", e["msg"])
                for e in exc.errors()
            ]
        ) from None


def _one_line(text: str) -> str:
    """``text`` with every control character (tab, CR, LF ...) replaced by a space."""
    return "".join(" " if c in _CONTROL else c for c in text) if any(c in _CONTROL for c in text) else text


def _scale_rows(issue: Issue) -> list[list[Any]]:
    """The ``#M`` rows of an issue, ``[value]`` or ``[value, label]``, in ascending order of value.

    The bounds get a row of their own unless a labelled point sits on them; points with equal values keep
    their order (a stable sort).

    Examples
    --------
    >>> from peninsula.core import Issue, ScalePoint
    >>> _scale_rows(Issue(id="x", lower=0, upper=10, points=[ScalePoint(value=0, label="none")]))
    [[0.0, 'none'], [10.0]]
    """
    labelled = {p.value for p in issue.points}
    rows: list[list[Any]] = [[float(v)] for v in (issue.lower, issue.upper) if v not in labelled]
    rows += [[float(p.value), p.label] for p in issue.points]
    return sorted(rows, key=lambda row: row[0])


def _within_limit(values: list[float], column: str, path: str | Path) -> list[float]:
    """``values`` unchanged if none exceeds :data:`DECIDE_LIMIT`, else all scaled so the largest is 100."""
    top = max(values, default=0.0)
    if top <= DECIDE_LIMIT:
        return values
    factor = DECIDE_LIMIT / top
    why = " (a ratio scale: no model's forecast changes)" if column == "power" else ""
    warnings.warn(
        f"{Path(path).name}: {column} values up to {top:g} exceed DECIDE's limit of {DECIDE_LIMIT:g}; "
        f"every {column} was multiplied by {factor:.6g}{why}",
        DecideLimitWarning,
        stacklevel=3,
    )
    return [v * factor for v in values]


def write_decide(scenario: Scenario, path: str | Path) -> list[str]:
    """Write ``scenario`` as a DECIDE input file (tab-separated, strings in single quotes).

    Issue bounds and labelled points become ``#M`` rows, in ascending order of value (the DECIDE
    2025.3.1 client fails with a ``TypeError`` on a file whose ``#M`` rows are out of order, issue 10);
    each stance's capability (its own, else its actor's) becomes ``power``. DECIDE accepts powers and
    saliences up to :data:`DECIDE_LIMIT` (100): where the largest exceeds it, every value of that column
    is multiplied by ``100 / largest`` and a :class:`DecideLimitWarning` says so (capabilities are a ratio
    scale, so no model's forecast changes; peninsula's saliences are 0-1 and never reach the limit).
    Returns the list of things the DECIDE format cannot hold and that were therefore left out (status
    quo values, units, sources, actor kinds, dates, vetoes, reversion points, acceptance limits), so callers
    can warn; reading a DECIDE file gives the defaults (no veto, the status quo as reversion, the
    single-peaked acceptance of :class:`~peninsula.core.Stance`). Tabs and line breaks inside
    free text (titles, names, descriptions, labels, notes) become spaces, so that every row stays one
    line. The file is written atomically (:mod:`peninsula.io.atomic`).

    Raises
    ------
    InputError
        If an issue's scale is a single point (DECIDE needs two ``#M`` points), or the file cannot be
        written.
    """
    flat = [i for i in scenario.issues if i.lower == i.upper]
    if flat:
        raise InputError(
            [
                InputProblem(
                    str(path),
                    None,
                    "issues.lower",
                    f"issue '{i.id}' has a one-point scale ({i.lower:g}); a DECIDE file needs two points",
                )
                for i in flat
            ]
        )
    buf = io.StringIO()
    raw = csv.writer(buf, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")

    class _Flat:
        def writerow(self, row: list[Any]) -> None:
            raw.writerow([_one_line(v) if isinstance(v, str) else v for v in row])

    w = _Flat()
    if scenario.title:
        w.writerow(["#O", scenario.title])
    for c in scenario.metadata.get("comments", "").split("\n") if scenario.metadata.get("comments") else []:
        w.writerow(["#/", c])
    for a in scenario.actors:
        w.writerow(["#A", a.id, a.name, a.description])
    for i in scenario.issues:
        w.writerow(["#P", i.id, i.description])
        for row in _scale_rows(i):
            w.writerow(["#M", i.id, *row])
    powers = _within_limit([float(scenario.capability_of(s)) for s in scenario.stances], "power", path)
    saliences = _within_limit([float(s.salience) for s in scenario.stances], "salience", path)
    for s, power, salience in zip(scenario.stances, powers, saliences, strict=True):
        w.writerow(["#D", s.actor, s.issue, float(s.position), salience, power, s.note])
    write_text(path, buf.getvalue())
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
    if any(s.veto for s in scenario.stances):
        lost.append("vetoes")
    if any(i.reversion is not None for i in scenario.issues):
        lost.append("reversion points")
    if any(s.accept_low is not None or s.accept_high is not None for s in scenario.stances):
        lost.append("acceptance limits")
    return lost
