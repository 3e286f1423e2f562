"""Issue 21: the workbench's forecast carries p_agreement for each model that reports it."""

from __future__ import annotations

from typing import Any

import peninsula


def test_workbench_forecast_carries_p_agreement(client: Any) -> None:
    doc = client.post(
        "/api/forecast", json={"scenario": "korea-2019-04", "models": ["compromise", "agreement"]}
    ).json()
    assert set(doc["p_agreement"]) == {"agreement"}
    expected = peninsula.forecast("korea-2019-04", ["agreement"]).runs["agreement"]
    assert doc["p_agreement"]["agreement"] == {i: r.extra["p_agreement"] for i, r in expected.issues.items()}
