"""``compare_overlay`` runs base and overlay on common random numbers, seeded or not."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.simulate.forecast import forecast
from peninsula.simulate.overlay import common_seed, compare_overlay


@pytest.mark.parametrize("rng", [None, 11, np.random.default_rng(3)])
def test_base_and_overlay_share_one_stream(rng: object) -> None:
    cmp = compare_overlay("korea-2019-04", "phased-relief", ["exchange-random"], rng=rng)  # type: ignore[arg-type]
    assert cmp.seed is not None
    again_base = forecast(cmp.base.scenario, ["exchange-random"], rng=cmp.seed)
    again_over = forecast(cmp.overlaid.scenario, ["exchange-random"], rng=cmp.seed)
    assert again_base.outcomes.equals(cmp.base.outcomes)
    assert again_over.outcomes.equals(cmp.overlaid.outcomes)


def test_common_seed_of_a_generator_is_one_draw() -> None:
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = common_seed(g1), common_seed(g2)
    assert isinstance(a, np.random.SeedSequence) and a.entropy == b.entropy
