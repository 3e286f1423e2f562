"""The overlay -> launch-lever mapping (in code, used by whatif) and the single alliance timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import peninsula
from peninsula.core.errors import ParameterError
from peninsula.dynamics.loading import load_data
from peninsula.dynamics.overlays import OVERLAY_LEVERS, overlay_levers
from peninsula.dynamics.registry import DEFAULT_MODELS
from peninsula.dynamics.whatif import parse_levers
from peninsula.scenarios import list_overlays

runner = CliRunner()


def test_every_packaged_overlay_is_mapped() -> None:
    names = {o.id if hasattr(o, "id") else str(o) for o in list_overlays()}
    assert names == set(OVERLAY_LEVERS)


def test_mapping_yields_valid_levers() -> None:
    assert overlay_levers("resume-exercises", "2019-03") == ["exercises=full"]
    assert parse_levers(overlay_levers("dual-track-sanctions", "2019-03")).add == (("sanctions", "2019-03"),)
    relief = parse_levers(overlay_levers("phased-relief", "2020-01"))
    assert relief.add == (("talks", "2020-01"), ("summit", "2020-01"))
    for name in ("sma-first", "medical-assistance", "no-such-overlay"):
        with pytest.raises(ParameterError):
            overlay_levers(name, "2019-03")


def test_whatif_overlay_equals_its_levers() -> None:
    from peninsula.cli import app

    common = ["whatif", "--from", "2019-03", "--months", "6", "--draws", "100", "--format", "json"]
    via_overlay = runner.invoke(app, [*common, "--overlay", "resume-exercises"])
    via_set = runner.invoke(app, [*common, "--set", "exercises=full"])
    assert via_overlay.exit_code == 0 and via_set.exit_code == 0, via_overlay.output
    a, b = json.loads(via_overlay.output), json.loads(via_set.output)
    assert a.pop("overlay") == "resume-exercises" and b.pop("overlay") is None
    assert a == b and a["levers"]["exercises"] == "full"
    assert a["model"] == DEFAULT_MODELS["events"]  # whatif's default is the rolling evaluation's choice
    none = runner.invoke(app, ["whatif", "--from", "2019-03", "--months", "6", "--overlay", "sma-first"])
    assert none.exit_code == 2 and "no launch-model lever" in none.output


def test_one_alliance_timeline_file() -> None:
    root = Path(peninsula.__file__).parent
    copies = sorted(p.relative_to(root).as_posix() for p in root.rglob("alliance_timeline.csv"))
    assert copies == ["scenarios/datasets/alliance_timeline.csv"]
    assert len(load_data().timeline) == 96
