"""Brent's root finder of the Nash kernels against SciPy's ``brentq`` (the reference), step for step."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq as scipy_brentq

from peninsula.kernels.nash import brentq, brentq_rows

RTOL = 4 * float(np.finfo(float).eps)


def _cubic(c: tuple[float, float, float]):  # type: ignore[no-untyped-def]
    """x³ + c0·x² + c1·x + c2 − its value at the bracket's midpoint's offset: a root in most brackets."""
    return lambda v: ((v + c[0]) * v + c[1]) * v + c[2]


@settings(max_examples=300, deadline=None)
@given(
    c=st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5)),
    a=st.floats(-10, 0),
    b=st.floats(0.01, 10),
    xtol=st.sampled_from([1e-14, 1e-10, 1e-3]),
)
def test_scalar_and_rows_forms_take_scipys_steps(
    c: tuple[float, float, float], a: float, b: float, xtol: float
) -> None:
    f = _cubic(c)
    fa, fb = f(a), f(b)
    if not fa * fb < 0:
        return
    want = scipy_brentq(f, a, b, xtol=xtol, rtol=RTOL, maxiter=200)
    assert brentq(f, a, b, fa, fb, xtol, RTOL, 200) == want
    rows = brentq_rows(
        lambda k, v: np.array([f(float(x)) for x in v]),
        np.array([a, a]),
        np.array([b, b]),
        np.array([fa, fa]),
        np.array([fb, fb]),
        np.full(2, xtol),
        RTOL,
        200,
    )
    assert rows.tolist() == [want, want]


def test_rows_stop_independently_and_the_scalar_form_raises_when_not_converged() -> None:
    targets = np.array([2.0, 9.0, 1e-6, 50.0])
    got = brentq_rows(
        lambda k, v: v**3 - targets[k],
        np.zeros(4),
        np.full(4, 4.0),
        -targets,
        64.0 - targets,
        np.full(4, 1e-14),
        RTOL,
        200,
    )
    want = [scipy_brentq(lambda v, t=t: v**3 - t, 0.0, 4.0, xtol=1e-14, rtol=RTOL) for t in targets]
    assert got.tolist() == want
    try:
        brentq(lambda v: v**3 - 2.0, 0.0, 4.0, -2.0, 62.0, 1e-14, RTOL, 2)
    except RuntimeError:
        pass
    else:
        raise AssertionError("two steps cannot reach 1e-14")
