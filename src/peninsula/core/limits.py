"""Input limits: how big, deep and long any input may be, in one place.

Every reader and every command checks its input against these constants before doing work that grows
with it, and refuses what is over a limit with an :class:`~peninsula.core.InputError` (a file) or a
:class:`~peninsula.core.ParameterError` (an option) that names the limit, so memory and time stay bounded
and proportional to the input. ``docs/limits.md`` lists them for users; a test checks that the two agree.

The values are generous for real scenarios (the largest packaged or reference file has a few hundred
actors x issues) and small enough that a file at a limit is read in seconds and well under 1 GiB.
"""

from __future__ import annotations

import math
from typing import Annotated, Final

from pydantic import AfterValidator, Field

from peninsula.core.errors import InputError, ParameterError
from peninsula.core.sanitize import CONTROL_CHARACTERS

__all__ = [
    "MAX_ABS_VALUE",
    "MAX_ACTORS",
    "MAX_COUNT",
    "MAX_DATA_MONTHS",
    "MAX_DRAWS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_ISSUES",
    "MAX_MODEL_BYTES",
    "MAX_MONTHS",
    "MAX_PAIR_ROUNDS",
    "MAX_ROUNDS",
    "MAX_ROUND_VALUES",
    "MAX_SEED",
    "MAX_SIMS",
    "MAX_STANCES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MAX_YAML_NODES_PER_BYTE",
    "MIN_YAML_NODES",
    "NonNegative",
    "Number",
    "OneLineId",
    "check_count",
    "check_draws",
    "check_file_size",
    "check_round_values",
    "check_rounds",
    "check_seed",
    "check_sims",
    "check_value",
]

#: Largest input file read, in bytes (64 MiB). Checked from the file's size before it is read.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
#: Longest single field (CSV cell, DECIDE field) in characters; Python's csv module stops at 131,072.
MAX_FIELD_CHARS: Final = 100_000
#: Deepest nesting of YAML collections. Checked on the parser's events before any object is built:
#: PyYAML's composer recurses once per level and crashes the interpreter at about 30,000 levels.
MAX_YAML_DEPTH: Final = 64
#: Most YAML nodes after expanding aliases (``*ref``); bounds "billion laughs" files.
MAX_YAML_NODES: Final = 2_000_000
#: Most YAML nodes (aliases expanded) per character of the file: reading takes about 400 bytes per node
#: (measured), so a YAML file takes at most ~120x its size. Plain scenario files have 0.01-0.2 (a file of
#: short flow mappings, 0.2); a list of bare scalars ``[0,0,...]`` has 0.5 and aliases can have far more.
MAX_YAML_NODES_PER_BYTE: Final = 0.3
#: Nodes any YAML file may have whatever its size (small files with a few aliases stay readable).
MIN_YAML_NODES: Final = 20_000
#: Most actors in one scenario.
MAX_ACTORS: Final = 10_000
#: Most issues in one scenario.
MAX_ISSUES: Final = 10_000
#: Most stances (actor x issue pairs with a position) in one scenario.
MAX_STANCES: Final = 1_000_000
#: Largest magnitude of any number in a scenario (positions, scale bounds, capabilities, status quo) or an
#: outcome: far beyond any real scale, small enough that weighted sums of 10,000 actors stay finite.
MAX_ABS_VALUE: Final = 1e15
#: Largest count in a launch series (per month).
MAX_COUNT: Final = 1_000_000
#: Most months of a launch series (``--data``): 30 years, five times the packaged 2016-2021 series. A
#: backtest refits every model at every test month on all months before it, so its time grows with the
#: series (600 months: 49 s of CPU for a 24-month backtest, measured 2026-12-07; 1,800 months: over 5 min).
MAX_DATA_MONTHS: Final = 360
#: Most rounds of an iterative model (``--rounds``); models also stop as soon as nothing can change.
MAX_ROUNDS: Final = 1_000
#: Most position values a forecast records (rounds + 1) x stances, summed over models' rounds.
MAX_ROUND_VALUES: Final = 20_000_000
#: Most pairwise work of one model run: rounds x the model's pairs (actor pairs of each issue for the
#: expected-utility models; actor pairs x issue pairs for the exchange models). 10,000 actors on one issue
#: at the default 10 rounds is exactly at it; 2,000 actors x 1,000 rounds (4e9, hours) is over it.
MAX_PAIR_ROUNDS: Final = 1_000_000_000
#: Most memory a model run may need by the measured bound of ``peninsula.simulate.forecast.MODEL_BYTES``.
MAX_MODEL_BYTES: Final = 2 * 2**30
#: Most months of one ``simulate`` run (``--months``): a century.
MAX_MONTHS: Final = 1_200
#: Most simulated paths of ``whatif`` (``--sims``).
MAX_SIMS: Final = 100_000
#: Most Monte Carlo draws of one sweep (``--draws``).
MAX_DRAWS: Final = 100_000
#: Largest seed (``--seed``); seeds are 0 .. 2**63 - 1.
MAX_SEED: Final = 2**63 - 1


def check_file_size(name: str, size: int) -> None:
    """Raise :class:`InputError` if a file of ``size`` bytes is over :data:`MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        raise InputError.single(
            name,
            None,
            "file",
            f"{size / 2**20:.1f} MiB is over the input limit of {MAX_FILE_BYTES // 2**20} MiB "
            "(see docs/limits.md)",
        )


def check_value(value: float) -> str | None:
    """Why ``value`` is not usable as a scenario number (not finite, or over :data:`MAX_ABS_VALUE`)."""
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    if abs(value) > MAX_ABS_VALUE:
        return f"{value:g} is larger in magnitude than the limit {MAX_ABS_VALUE:g} (see docs/limits.md)"
    return None


#: Characters an id may not hold: every control character (C0 with tab and line feed, DEL, C1) and the
#: bidirectional overrides, which reorder what a reader sees (:mod:`peninsula.core.sanitize`).
_CONTROL = CONTROL_CHARACTERS | {"\t", "\n"}


def _bounded(value: float) -> float:
    why = check_value(value)
    if why is not None:
        raise ValueError(why)
    return value


def _one_line(value: str) -> str:
    bad = next((c for c in value if c in _CONTROL), None)
    if bad is not None:
        raise ValueError(
            f"{value[:40]!r} contains the control character {bad!r}: an id is one line of printable text "
            "(no control or bidirectional-override character)"
        )
    return value


#: A scenario number: finite, magnitude at most :data:`MAX_ABS_VALUE`.
Number = Annotated[float, AfterValidator(_bounded)]
#: A scenario number that is >= 0 (capabilities).
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_bounded)]
#: An id: no tab, line break or other control character (so every file format can hold it).
OneLineId = Annotated[str, AfterValidator(_one_line)]


def _check_int(option: str, value: int, low: int, high: int, what: str) -> int:
    if not low <= value <= high:
        raise ParameterError(
            f"{option} must be between {low:,} and {high:,}{' ' + what if what else ''}, not {value:,} "
            "(see docs/limits.md)"
        )
    return value


def check_rounds(rounds: int | None, option: str = "--rounds") -> int | None:
    """``rounds`` if it lies in 0 .. :data:`MAX_ROUNDS` (``None`` passes); else :class:`ParameterError`."""
    return None if rounds is None else _check_int(option, rounds, 0, MAX_ROUNDS, "rounds")


def check_round_values(rounds: int | None, n_stances: int, option: str = "--rounds") -> int | None:
    """:func:`check_rounds`, and (``rounds`` + 1) x ``n_stances`` recorded positions within
    :data:`MAX_ROUND_VALUES`; else :class:`ParameterError`."""
    check_rounds(rounds, option)
    if rounds is not None and (rounds + 1) * n_stances > MAX_ROUND_VALUES:
        raise ParameterError(
            f"{option} {rounds:,} on {n_stances:,} stances would record {(rounds + 1) * n_stances:,} "
            "positions "
            f"per model, over the limit of {MAX_ROUND_VALUES:,} (see docs/limits.md)"
        )
    return rounds


def check_sims(sims: int, option: str = "--sims") -> int:
    """``sims`` if it lies in 10 .. :data:`MAX_SIMS`; else :class:`ParameterError`."""
    return _check_int(option, sims, 10, MAX_SIMS, "simulated paths")


def check_draws(draws: int, option: str = "--draws") -> int:
    """``draws`` if it lies in 1 .. :data:`MAX_DRAWS`; else :class:`ParameterError`."""
    return _check_int(option, draws, 1, MAX_DRAWS, "draws")


def check_seed(seed: int | None, option: str = "--seed") -> int | None:
    """``seed`` if it lies in 0 .. :data:`MAX_SEED` (``None`` passes); else :class:`ParameterError`."""
    return None if seed is None else _check_int(option, seed, 0, MAX_SEED, "")


def check_count(option: str, value: int, high: int) -> int:
    """``value`` if it lies in 0 .. ``high``; else :class:`ParameterError` naming ``option``."""
    return _check_int(option, value, 0, high, "")
