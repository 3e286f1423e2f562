"""Where a number comes from: a seed passage, a dataset row, the public record, or a coded judgement."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

SourceKind = Literal["seed", "dataset", "record", "coded"]


class Source(BaseModel):
    """The provenance of one numeric value.

    Four kinds, each with its own required fields:

    * ``seed``: a passage of one of the source analyses: ``file`` (the seed's file name) and ``quote``
      (an exact, verbatim quote that can be found in that file).
    * ``dataset``: a row of a data file: ``file`` and ``row`` (the row's key, e.g. ``ccode=2,year=2019``
      or ``line 87``).
    * ``record``: the public record: ``url``, ``quote`` (verbatim from the page) and ``date`` (the page's
      publication date; a scenario may cite only records dated on or before its own date).
    * ``coded``: an analyst's judgement: ``reason`` (one line), optionally with an uncertainty range
      ``low``..``high`` on the value's own scale, which Monte Carlo draws from, and ``evidence`` (what the
      judgement rests on: a seed, a record, a dataset row, an analyst's view).

    ``attributed_to`` names the actor whose own statement, action or documented policy a ``seed`` or
    ``record`` passage reports; a position is sourced to its actor when this equals the stance's actor
    (see :func:`peninsula.scenarios.sources.attribution_problems`).

    Examples
    --------
    >>> Source(kind="coded", reason="pressure campaign is its top priority", low=0.7, high=0.9).kind
    'coded'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SourceKind
    file: str | None = None
    quote: str | None = None
    row: str | None = None
    reason: str | None = None
    low: float | None = None
    high: float | None = None
    url: str | None = None
    date: dt.date | None = None
    attributed_to: str | None = None
    evidence: str | None = None

    @model_validator(mode="after")
    def _required_fields(self) -> Source:
        need = {
            "seed": ("file", "quote"),
            "dataset": ("file", "row"),
            "record": ("url", "quote", "date"),
            "coded": ("reason",),
        }[self.kind]
        missing = [f for f in need if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.kind} source needs {' and '.join(missing)}")
        if (self.low is None) != (self.high is None):
            raise ValueError("an uncertainty range needs both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"uncertainty range low={self.low} exceeds high={self.high}")
        return self

    def describe(self) -> str:
        """A one-line human-readable form, as printed by ``peninsula sources``."""
        if self.kind == "seed":
            return f'seed {self.file}: "{self.quote}"'
        if self.kind == "dataset":
            return f"dataset {self.file} [{self.row}]"
        if self.kind == "record":
            return f'record {self.date} {self.url}: "{self.quote}"'
        rng = f" [{self.low:g}, {self.high:g}]" if self.low is not None and self.high is not None else ""
        return f"coded: {self.reason}{rng}"
