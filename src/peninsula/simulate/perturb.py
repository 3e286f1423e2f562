"""Input uncertainty: a scenario's numbers as distributions, drawn into (draws x actors x issues) arrays.

Which distribution a value gets
-------------------------------
* A value whose source carries an uncertainty range (``low``/``high``; coded judgements, and seed quotes
  that bound a value) is drawn from the **triangular distribution** with minimum ``low``, mode the value
  itself and maximum ``high`` (the mode is clamped into ``[low, high]`` should a value lie outside its own
  range).
* Every other value (a seed quote or dataset row without a range, a coded value without one, and every
  value of an external DECIDE or BDM file) gets the **default perturbation** :data:`DEFAULT_NOISE`, also
  triangular around the value, with half-width

  - ``position``: a fraction of the issue's scale length (``F·(upper − lower)``),
  - ``salience``: an absolute amount on 0–1,
  - ``capability``: a fraction of the value itself (relative).

  ``NoiseSpec.none()`` (``--noise none``) fixes these values; ranged values are still drawn.

Clipping
--------
A default perturbation's triangle is cut at the valid bounds before drawing (the mode stays at the value,
so no probability piles up on a bound): positions stay on ``[lower, upper]``, saliences on ``[0, 1]``,
capabilities at ``>= 0``. A source range that itself reaches past a bound is drawn as given and each draw
is then clipped to the bound (a point mass there); :meth:`InputSpace.clipped_ranges` lists such ranges.

Status quo values are not drawn: they are the reference point that ``p_above_status_quo`` and
``p_below_status_quo`` compare against, and the models that read them (``nash``) use the stated value.

Issue 21's inputs come after all the others (so every other input keeps its uniforms): acceptance limits
(``accept_low``, ``accept_high``) are drawn like positions (their range, else the position's default
perturbation), and an issue's explicit ``reversion`` only from its source's range (like the status quo, it
is otherwise fixed). :meth:`InputSpace.agreement_arrays` gives them as arrays.

Seeding
-------
Draw ``d`` of a sweep with seed ``S`` takes its uniforms from ``numpy.random.SeedSequence(S,
spawn_key=(d, 0))`` (the ``d``-th child that ``SeedSequence(S).spawn`` would give, one level further down),
one uniform per input in :attr:`InputSpace.inputs` order whether or not the input varies. A draw therefore
depends on its index only, never on chunking or worker, and two sweeps with one seed (say with and
without an overlay) share common random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from peninsula.core import ParameterError, Scenario, Source
from peninsula.core.rng import keyed_rng
from peninsula.kernels.distributions import triangular_ppf

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Field = Literal["position", "salience", "capability", "accept_low", "accept_high", "reversion"]
Origin = Literal["range", "noise", "fixed"]

__all__ = [
    "DEFAULT_NOISE",
    "INPUT_STREAM",
    "MODEL_STREAM",
    "InputSpace",
    "NoiseSpec",
    "UncertainInput",
    "draw_generator",
    "triangular_ppf",
]

#: spawn-key component of the stream a draw's inputs come from.
INPUT_STREAM = 0
#: spawn-key component of the stream a stochastic model gets for a draw (common to every such model).
MODEL_STREAM = 1


@dataclass(frozen=True)
class NoiseSpec:
    """The default perturbation of values without a sourced range (half-widths of a triangle).

    Attributes
    ----------
    position:
        Fraction of the issue's scale length (0–1).
    salience:
        Absolute, on the 0–1 salience scale (0–1).
    capability:
        Fraction of the value (0–1).
    """

    position: float = 0.05
    salience: float = 0.05
    capability: float = 0.10

    @classmethod
    def none(cls) -> NoiseSpec:
        """No default perturbation: only ranged values vary."""
        return cls(0.0, 0.0, 0.0)

    @classmethod
    def parse(cls, text: str | None) -> NoiseSpec:
        """Parse ``--noise``: ``none``, ``default`` or ``position=F,salience=F,capability=F`` (any subset).

        Keys not given keep their default. Raises :class:`ParameterError` naming ``--noise`` on an unknown
        key, a value that is not a number, or one outside 0–1.

        Examples
        --------
        >>> NoiseSpec.parse("position=0.1,salience=0")
        NoiseSpec(position=0.1, salience=0.0, capability=0.1)
        >>> NoiseSpec.parse("none")
        NoiseSpec(position=0.0, salience=0.0, capability=0.0)
        """
        if text is None or text.strip().lower() in ("", "default"):
            return cls()
        if text.strip().lower() == "none":
            return cls.none()
        values = {"position": cls.position, "salience": cls.salience, "capability": cls.capability}
        seen: set[str] = set()
        for part in text.split(","):
            key, eq, raw = part.partition("=")
            key = key.strip().lower()
            if not eq or key not in values:
                raise ParameterError(
                    f"--noise: {part.strip()!r} is not KEY=FRACTION with KEY one of position, salience, "
                    "capability (or 'none')"
                )
            if key in seen:
                raise ParameterError(f"--noise: {key} given twice")
            seen.add(key)
            try:
                v = float(raw)
            except ValueError:
                raise ParameterError(f"--noise: {key}={raw.strip()!r} is not a number") from None
            if not math.isfinite(v) or not 0.0 <= v <= 1.0:
                raise ParameterError(f"--noise: {key}={raw.strip()} must be a fraction between 0 and 1")
            values[key] = v
        return cls(**values)

    def to_dict(self) -> dict[str, float]:
        """``{"position": F, "salience": F, "capability": F}``."""
        return {"position": self.position, "salience": self.salience, "capability": self.capability}


#: The default perturbation: a coded judgement, not a measured quantity. Five points of a 0-100 scale, 0.05
#: of salience and 10 % of capability are about the rounding grain of the values the seeds and datasets
#: give (positions coded in steps of 5-10 points, saliences in tenths, COW CINC shares that move by a few
#: percent from year to year); change it with ``--noise``.
DEFAULT_NOISE = NoiseSpec()


@dataclass(frozen=True)
class UncertainInput:
    """One number of a scenario that a sweep draws.

    Attributes
    ----------
    actor:
        Actor id.
    issue:
        Issue id, or ``None`` for an actor's general capability (which applies on every issue where the
        stance gives none of its own).
    field:
        ``position``, ``salience`` or ``capability``.
    value:
        The scenario's value (the triangle's mode), on the field's own scale.
    low, high:
        The triangle's ends (after cutting a default perturbation at the bounds).
    origin:
        ``range`` (the source's low/high), ``noise`` (the default perturbation) or ``fixed``.
    lower, upper:
        The valid bounds every draw is clipped to.
    """

    actor: str
    issue: str | None
    field: Field
    value: float
    low: float
    high: float
    origin: Origin
    lower: float
    upper: float

    @property
    def varies(self) -> bool:
        """``True`` if draws of this input differ."""
        return self.high > self.low


def draw_generator(seed: int, draw: int, stream: int) -> np.random.Generator:
    """The generator of draw ``draw``'s ``stream`` (:data:`INPUT_STREAM` or :data:`MODEL_STREAM`)."""
    return keyed_rng(seed, draw, stream)


@dataclass
class InputSpace:
    """A scenario's uncertain inputs and its base arrays, ready to be drawn.

    Arrays are ``(actors, issues)`` in scenario order, ``NaN`` where an actor has no stance on an issue;
    capabilities are the ones that apply to each stance (its own, else its actor's).

    Examples
    --------
    >>> from peninsula.scenarios import load_packaged
    >>> space = InputSpace.from_scenario(load_packaged("korea-2019-04"))
    >>> X, S, C = space.draw(seed=1, start=0, stop=4)
    >>> X.shape == (4, len(space.actor_ids), len(space.issue_ids))
    True
    """

    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    lower: FloatArray
    upper: FloatArray
    status_quo: tuple[float | None, ...]
    present: npt.NDArray[np.bool_]
    positions: FloatArray
    saliences: FloatArray
    capabilities: FloatArray
    inputs: tuple[UncertainInput, ...]
    noise: NoiseSpec = field(default_factory=NoiseSpec)
    # scatter plan: for each field, (input index, actor index, issue index) triples
    _pos: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)
    _sal: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)
    _cap: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)
    _alo: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)
    _ahi: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)
    _rev: tuple[IntArray, IntArray, IntArray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        a_index = {a: k for k, a in enumerate(self.actor_ids)}
        i_index = {i: k for k, i in enumerate(self.issue_ids)}
        own_cap = {(u.actor, u.issue) for u in self.inputs if u.field == "capability" and u.issue}
        plans: dict[str, list[tuple[int, int, int]]] = {
            f: [] for f in ("position", "salience", "capability", "accept_low", "accept_high", "reversion")
        }
        for k, u in enumerate(self.inputs):
            if u.field == "reversion":  # an issue's value: no actor
                plans["reversion"].append((k, 0, i_index[str(u.issue)]))
                continue
            a = a_index[u.actor]
            if u.issue is not None:
                plans[u.field].append((k, a, i_index[u.issue]))
                continue
            for i, iid in enumerate(self.issue_ids):  # a general capability: every stance without its own
                if self.present[a, i] and (u.actor, iid) not in own_cap:
                    plans["capability"].append((k, a, i))

        def arrays(rows: list[tuple[int, int, int]]) -> tuple[IntArray, IntArray, IntArray]:
            m = np.array(rows, dtype=np.intp).reshape(-1, 3)
            return m[:, 0], m[:, 1], m[:, 2]

        self._pos = arrays(plans["position"])
        self._sal = arrays(plans["salience"])
        self._cap = arrays(plans["capability"])
        self._alo = arrays(plans["accept_low"])
        self._ahi = arrays(plans["accept_high"])
        self._rev = arrays(plans["reversion"])
        self._low = np.array([u.low for u in self.inputs], dtype=np.float64)
        self._high = np.array([u.high for u in self.inputs], dtype=np.float64)
        self._mode = np.clip(
            np.array([u.value for u in self.inputs], dtype=np.float64), self._low, self._high
        )
        self._lo_clip = np.array([u.lower for u in self.inputs], dtype=np.float64)
        self._hi_clip = np.array([u.upper for u in self.inputs], dtype=np.float64)

    # -- construction ----------------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, scenario: Scenario, noise: NoiseSpec | None = None) -> InputSpace:
        """Every position, salience and capability of ``scenario`` with its distribution (see above)."""
        nz = noise or DEFAULT_NOISE
        actors, issues = scenario.actor_ids, scenario.issue_ids
        a_index = {a: k for k, a in enumerate(actors)}
        i_index = {i: k for k, i in enumerate(issues)}
        lower = np.array([i.lower for i in scenario.issues], dtype=np.float64)
        upper = np.array([i.upper for i in scenario.issues], dtype=np.float64)
        shape = (len(actors), len(issues))
        X = np.full(shape, np.nan)
        S = np.full(shape, np.nan)
        C = np.full(shape, np.nan)
        present = np.zeros(shape, dtype=bool)
        inputs: list[UncertainInput] = []

        def make(
            actor: str, issue: str | None, fld: Field, value: float, src: Source | None, lo: float, hi: float
        ) -> UncertainInput:
            if src is not None and src.low is not None and src.high is not None:
                return UncertainInput(actor, issue, fld, value, src.low, src.high, "range", lo, hi)
            if fld in ("position", "accept_low", "accept_high"):
                half = nz.position * (hi - lo)
            elif fld == "reversion":
                half = 0.0
            elif fld == "salience":
                half = nz.salience
            else:
                half = nz.capability * abs(value)
            if half <= 0:
                return UncertainInput(actor, issue, fld, value, value, value, "fixed", lo, hi)
            return UncertainInput(
                actor, issue, fld, value, max(lo, value - half), min(hi, value + half), "noise", lo, hi
            )

        for act in scenario.actors:
            if act.capability is not None:
                inputs.append(
                    make(act.id, None, "capability", act.capability, act.capability_source, 0.0, math.inf)
                )
        for st in scenario.stances:
            a, i = a_index[st.actor], i_index[st.issue]
            present[a, i] = True
            X[a, i] = st.position
            S[a, i] = st.salience
            C[a, i] = scenario.capability_of(st)
            lo, hi = float(lower[i]), float(upper[i])
            inputs.append(
                make(st.actor, st.issue, "position", st.position, st.sources.get("position"), lo, hi)
            )
            inputs.append(
                make(st.actor, st.issue, "salience", st.salience, st.sources.get("salience"), 0.0, 1.0)
            )
            if st.capability is not None:
                inputs.append(
                    make(
                        st.actor,
                        st.issue,
                        "capability",
                        st.capability,
                        st.sources.get("capability"),
                        0.0,
                        math.inf,
                    )
                )
        for st in scenario.stances:  # issue 21: after every other input, so those keep their uniforms
            lo, hi = float(lower[i_index[st.issue]]), float(upper[i_index[st.issue]])
            if st.accept_low is not None:
                src = st.sources.get("accept_low")
                inputs.append(make(st.actor, st.issue, "accept_low", st.accept_low, src, lo, hi))
            if st.accept_high is not None:
                src = st.sources.get("accept_high")
                inputs.append(make(st.actor, st.issue, "accept_high", st.accept_high, src, lo, hi))
        for k_i, iss in enumerate(scenario.issues):
            rev = iss.reversion
            if rev is not None and rev.value is not None:
                inputs.append(
                    make("", iss.id, "reversion", rev.value, rev.source, float(lower[k_i]), float(upper[k_i]))
                )
        return cls(
            actor_ids=actors,
            issue_ids=issues,
            lower=lower,
            upper=upper,
            status_quo=tuple(i.status_quo for i in scenario.issues),
            present=present,
            positions=X,
            saliences=S,
            capabilities=C,
            inputs=tuple(inputs),
            noise=nz,
        )

    # -- drawing ----------------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        """Number of inputs (uniforms per draw)."""
        return len(self.inputs)

    def uniforms(self, seed: int, start: int, stop: int) -> FloatArray:
        """``(stop − start, n_inputs)`` uniforms of draws ``start..stop−1`` (each from its own stream).

        Row ``d − start`` is ``draw_generator(seed, d, INPUT_STREAM).random(n_inputs)``, computed for all the
        draws at once (:func:`peninsula.kernels._pcg.spawned_uniforms`, the same numbers bit for bit).
        """
        from peninsula.kernels._pcg import spawned_uniforms

        return spawned_uniforms(seed, np.arange(start, stop, dtype=np.int64), INPUT_STREAM, self.n_inputs)

    def values_from_uniforms(self, u: FloatArray) -> FloatArray:
        """Input values ``(n, n_inputs)`` for uniforms ``u``: triangular, then clipped to the bounds."""
        v = triangular_ppf(u, self._low, self._mode, self._high)
        return np.asarray(np.clip(v, self._lo_clip, self._hi_clip), dtype=np.float64)

    def base_values(self) -> FloatArray:
        """The scenario's own values, ``(n_inputs,)``."""
        return np.array([u.value for u in self.inputs], dtype=np.float64)

    def arrays(self, values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Positions, saliences, capabilities ``(n, actors, issues)`` for input values ``(n, n_inputs)``."""
        v = np.atleast_2d(np.asarray(values, dtype=np.float64))
        n = v.shape[0]
        X = np.broadcast_to(self.positions, (n, *self.positions.shape)).copy()
        S = np.broadcast_to(self.saliences, (n, *self.saliences.shape)).copy()
        C = np.broadcast_to(self.capabilities, (n, *self.capabilities.shape)).copy()
        for target, (k, a, i) in ((X, self._pos), (S, self._sal), (C, self._cap)):
            if k.size:
                target[:, a, i] = v[:, k]
        return X, S, C

    def agreement_arrays(self, values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Acceptance limits ``(n, actors, issues)`` (NaN: the single-peaked default) and reversions
        ``(n, issues)`` (the explicit reversion, else the status quo, else NaN) for input values
        ``(n, n_inputs)``."""
        v = np.atleast_2d(np.asarray(values, dtype=np.float64))
        n = v.shape[0]
        AL = np.full((n, *self.positions.shape), np.nan)
        AH = np.full((n, *self.positions.shape), np.nan)
        for target, (k, a, i) in ((AL, self._alo), (AH, self._ahi)):
            if k.size:
                target[:, a, i] = v[:, k]
        sq = np.array([np.nan if q is None else q for q in self.status_quo], dtype=np.float64)
        R = np.broadcast_to(sq, (n, len(self.issue_ids))).copy()
        k, _, i = self._rev
        if k.size:
            R[:, i] = v[:, k]
        return AL, AH, R

    def draw(self, seed: int, start: int, stop: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Draws ``start..stop−1`` of a sweep seeded ``seed``: ``(n, actors, issues)`` arrays."""
        return self.arrays(self.values_from_uniforms(self.uniforms(seed, start, stop)))

    def clipped_ranges(self) -> list[UncertainInput]:
        """Inputs whose sourced range reaches past the valid bounds (their draws are clipped)."""
        return [u for u in self.inputs if u.origin == "range" and (u.low < u.lower or u.high > u.upper)]

    def varying(self) -> list[int]:
        """Indices of the inputs whose draws differ."""
        return [k for k, u in enumerate(self.inputs) if u.varies]

    def input_names(self, issue: str | None = None, *, indices: Sequence[int] | None = None) -> list[str]:
        """``ACTOR/FIELD`` names of inputs, ``ACTOR/FIELD@ISSUE`` for a stance input on another issue than
        ``issue`` (general capabilities: ``ACTOR/capability``, or ``ACTOR/capability@actor`` where the
        actor also has an issue-specific capability on ``issue``)."""
        idx = list(range(self.n_inputs)) if indices is None else list(indices)
        own = {u.actor for u in self.inputs if u.field == "capability" and u.issue == issue}
        names = []
        for k in idx:
            u = self.inputs[k]
            if u.field == "reversion":
                names.append("reversion" if u.issue == issue else f"reversion@{u.issue}")
            elif u.issue is None:
                names.append(f"{u.actor}/capability" + ("@actor" if u.actor in own else ""))
            elif u.issue == issue:
                names.append(f"{u.actor}/{u.field}")
            else:
                names.append(f"{u.actor}/{u.field}@{u.issue}")
        return names

    def relevant(self, issue: str) -> list[int]:
        """Indices of the inputs that enter ``issue`` (its stances, and general capabilities used on it)."""
        i = self.issue_ids.index(issue)
        k_cap, _, i_cap = self._cap
        general = {int(k) for k, ii in zip(k_cap.tolist(), i_cap.tolist(), strict=True) if ii == i}
        return [
            k for k, u in enumerate(self.inputs) if u.issue == issue or (u.issue is None and k in general)
        ]
