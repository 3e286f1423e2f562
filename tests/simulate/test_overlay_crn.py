"""``compare_overlay`` runs base and overlay on common random numbers, seeded or not."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.core import Source
from peninsula.scenarios import Overlay, OverlayChange, load
from peninsula.simulate.forecast import forecast
from peninsula.simulate.overlay import common_seed, compare_overlay


def _overlay() -> Overlay:
    """A hand-made overlay that halves the first stance's salience (independent of the packaged ones)."""
    st = load("korea-2019-04").stances[0]
    change = OverlayChange(
        actor=st.actor,
        issue=st.issue,
        field="salience",
        op="set",
        value=st.salience / 2,
        source=Source(kind="coded", reason="test overlay", low=0.0, high=1.0),
    )
    return Overlay(id="half", changes=(change,))


@pytest.mark.parametrize("rng", [None, 11, np.random.default_rng(3)])
def test_base_and_overlay_share_one_stream(rng: object) -> None:
    cmp = compare_overlay("korea-2019-04", _overlay(), ["exchange-random"], rng=rng)  # type: ignore[arg-type]
    assert cmp.seed is not None
    again_base = forecast(cmp.base.scenario, ["exchange-random"], rng=cmp.seed)
    again_over = forecast(cmp.overlaid.scenario, ["exchange-random"], rng=cmp.seed)
    assert again_base.outcomes.equals(cmp.base.outcomes)
    assert again_over.outcomes.equals(cmp.overlaid.outcomes)


def test_common_seed_of_a_generator_is_one_draw() -> None:
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = common_seed(g1), common_seed(g2)
    assert isinstance(a, np.random.SeedSequence) and a.entropy == b.entropy
