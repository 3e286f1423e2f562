"""Reading a sweep (issue 26): each point forecast beside its draws with its percentile and a flag when it
lies outside the 5-95 % band (with why), multimodal draws marked, ties with the status quo counted apart,
run comparisons on paired draws, ``latest`` run names, the store's path, Ctrl-C and resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import peninsula
from peninsula.cli import app
from peninsula.core import Actor, Issue, Scenario, Stance
from peninsula.simulate.montecarlo import modes

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def default_sweep() -> dict:  # type: ignore[type-arg]
    return peninsula.sweep(peninsula.DEFAULT_SCENARIO, ["compromise", "eu"], draws=400, seed=3).to_dict()


def test_point_forecast_beside_its_draws_with_its_percentile(default_sweep: dict) -> None:  # type: ignore[type-arg]
    point = peninsula.forecast(peninsula.DEFAULT_SCENARIO, ["compromise"], rng=3).outcomes
    for issue, v in default_sweep["models"]["compromise"]["issues"].items():
        assert v["point"] == pytest.approx(point.at["compromise", issue])
        assert 0 <= v["point_percentile"] <= 100
        inside = v["q05"] <= v["point"] <= v["q95"]
        assert (v["point_outside"] is None) == inside, issue


AT_END = Scenario(
    id="at-end",
    actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=2.0)],
    issues=[Issue(id="x", lower=0, upper=100, status_quo=0)],
    stances=[
        Stance(actor="A", issue="x", position=0, salience=1.0),
        Stance(actor="B", issue="x", position=0, salience=0.5),
    ],
)


def test_point_outside_the_band_is_flagged_with_the_reason(default_sweep: dict) -> None:  # type: ignore[type-arg]
    issues = default_sweep["models"]["compromise"]["issues"]
    troops = issues["usfk-troops"]  # the U.S., Congress and ROK at 28,500, their sourced ranges all below it
    assert troops["point"] > troops["q95"] and troops["point_percentile"] > 95
    assert "above" in troops["point_outside"] and "one-sided ranges" in troops["point_outside"]
    assert "US 28500 on 22000-28500" in troops["point_outside"]
    assert "only down: 4" in troops["point_outside"]


def test_point_at_the_scale_end_is_explained_by_clipping() -> None:
    # both actors at 0 on 0-100, no sourced range: the default noise can only move them up
    doc = peninsula.sweep(AT_END, ["compromise"], draws=200, seed=1).to_dict()
    x = doc["models"]["compromise"]["issues"]["x"]
    assert x["point"] == 0 and x["q05"] > 0 and x["point_percentile"] == 0
    assert "point below the band" in x["point_outside"] and "clipping: 2 position(s)" in x["point_outside"]
    assert "A 0 at the end of 0-100" in x["point_outside"]


def test_sweep_table_flags_points_outside_and_explains_them() -> None:
    code, out, err = run("sweep", "-n", "300", "--seed", "3", "-m", "compromise", "--no-store")
    assert code == 0, err
    row = next(ln for ln in out.splitlines() if ln.startswith("usfk-troops"))
    cells = row.split()
    assert cells[1] == "27,927" and cells[-1] == "!"  # the point, then the flag
    assert int(cells[2]) > 95  # its percentile
    inside = next(ln for ln in out.splitlines() if ln.startswith("sanctions-relief"))
    assert not inside.rstrip().endswith("!")
    text = " ".join(out.split())
    assert "! usfk-troops (compromise): point above the band; one-sided ranges" in text
    assert "! sanctions-relief" not in text


def test_multimodal_draws_are_marked(default_sweep: dict) -> None:  # type: ignore[type-arg]
    denuc = default_sweep["models"]["eu"]["issues"]["denuclearization"]
    assert len(denuc["modes"]) == 2 and denuc["modes"][0] < denuc["mean"] < denuc["modes"][1]
    assert len(default_sweep["models"]["compromise"]["issues"]["sma-term"]["modes"]) == 1
    code, out, _ = run("sweep", "-n", "400", "--seed", "3", "-m", "eu", "--no-store")
    row = next(ln for ln in out.splitlines() if ln.startswith("denuclearization"))
    assert code == 0 and row.split()[-1].endswith("M")
    assert "M eu / denuclearization: 2 modes" in out


def test_modes_of_known_shapes() -> None:
    rng = np.random.default_rng(1)
    assert len(modes(rng.triangular(0, 30, 100, 5000), 100.0)) == 1
    assert len(modes(rng.uniform(0, 100, 5000), 100.0)) == 1
    two = modes(np.r_[rng.normal(10, 2, 3000), rng.normal(60, 2, 1000)], 100.0)
    assert len(two) == 2 and abs(two[0] - 10) < 3 and abs(two[1] - 60) < 3
    assert modes(np.full(500, 7.0), 100.0) == [7.0]


AT_SQ = Scenario(
    id="at-sq",
    actors=[Actor(id="A", capability=1.0), Actor(id="B", capability=1.0)],
    issues=[Issue(id="x", lower=0, upper=100, status_quo=50)],
    stances=[
        Stance(actor="A", issue="x", position=50, salience=1.0),
        Stance(actor="B", issue="x", position=50, salience=1.0),
    ],
)


def test_ties_with_the_status_quo_are_counted_apart() -> None:
    fixed = peninsula.sweep(AT_SQ, ["compromise"], draws=200, seed=1, noise="none").to_dict()
    x = fixed["models"]["compromise"]["issues"]["x"]
    assert (x["p_above_status_quo"], x["p_at_status_quo"], x["p_below_status_quo"]) == (0.0, 1.0, 0.0)
    moved = peninsula.sweep(AT_SQ, ["compromise"], draws=200, seed=1).to_dict()
    y = moved["models"]["compromise"]["issues"]["x"]
    assert y["p_at_status_quo"] < 0.05
    assert y["p_above_status_quo"] + y["p_at_status_quo"] + y["p_below_status_quo"] == pytest.approx(1.0)


def test_compare_identical_runs_on_paired_draws_says_equal(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    args = ["sweep", "-n", "80", "--seed", "2", "-m", "compromise", "-m", "median", "--store", store]
    assert run(*args)[0] == 0
    code, out, err = run("runs", "compare", "latest", "latest", "--store", store, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["paired"] is True
    for entry in doc["models"].values():
        for v in entry["issues"].values():
            assert v["p_equal"] == 1.0
            assert v["p_second_above_first"] == v["p_second_below_first"] == 0.0


def test_compare_an_overlay_on_common_random_numbers_pairs_the_draws(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    base = ["sweep", "korea-2019-06", "-n", "80", "--seed", "2", "-m", "compromise", "--store", store]
    assert run(*base)[0] == 0
    assert run(*base, "--overlay", "resume-exercises")[0] == 0
    doc = json.loads(run("runs", "compare", "latest~1", "latest", "--store", store, "-f", "json")[1])
    ex = doc["models"]["compromise"]["issues"]["exercises"]
    assert doc["paired"] is True and ex["p_second_above_first"] == 1.0  # every draw: more exercises
    untouched = doc["models"]["compromise"]["issues"]["sma-contribution"]
    assert untouched["p_equal"] == 1.0  # the overlay leaves the SMA alone: a tie in every draw
    other = ["sweep", "korea-2019-06", "-n", "80", "--seed", "9", "-m", "compromise", "--store", store]
    assert run(*other)[0] == 0
    doc = json.loads(run("runs", "compare", "latest~2", "latest", "--store", store, "-f", "json")[1])
    assert doc["paired"] is False and any("not paired" in n for n in doc["notes"])


def test_latest_names_the_newest_runs(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    ids = []
    for seed in ("1", "2", "3"):
        code, out, _ = run(
            "sweep", "-n", "30", "--seed", seed, "-m", "median", "--store", store, "-f", "json"
        )
        ids.append(json.loads(out)["run_id"])
    for name, want in (("latest", ids[2]), ("latest~1", ids[1]), ("latest~2", ids[0])):
        code, out, _ = run("runs", "show", name, "--store", store, "--format", "json")
        assert code == 0 and json.loads(out)["run"]["run_id"] == want, name
    code, _, err = run("runs", "show", "latest~3", "--store", store)
    assert code == 2 and "holds 3 run(s)" in err
    code, _, _ = run("runs", "export", "latest", str(tmp_path / "o.csv"), "--store", store)
    assert code == 0 and (tmp_path / "o.csv").exists()
    code, out, _ = run("runs", "export", "latest", "-", "--store", store)
    assert code == 0 and out.startswith("draw,model,issue,outcome")


def test_every_write_names_the_store_and_the_default_is_the_users_data_folder(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "PENINSULA_STORE": ""}
    code, _, err = run("sweep", "-n", "20", "--seed", "1", "-m", "median", env=env)
    default = tmp_path / "data" / "peninsula" / "peninsula-runs.duckdb"
    assert code == 0 and default.exists()
    assert f"in {default}" in " ".join(err.split())
    assert not Path("peninsula-runs.duckdb").exists()
    code, out, _ = run("runs", "list", env=env)
    assert code == 0 and str(default) in " ".join(out.split())


def test_ctrl_c_says_what_was_kept_and_resume_says_from_which_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peninsula.simulate import montecarlo

    store = str(tmp_path / "s.duckdb")
    real = montecarlo.run_chunk

    def stop_at_third(spec, index, start, stop, threads=1):  # type: ignore[no-untyped-def]
        if index == 2:
            raise KeyboardInterrupt
        return real(spec, index, start, stop, threads)

    monkeypatch.setattr(montecarlo, "run_chunk", stop_at_third)
    args = ["sweep", "-n", "50", "--chunk-size", "10", "--seed", "4", "-m", "median", "--store", store]
    code, _, err = run(*args)
    text = " ".join(err.split())
    assert code == 130
    assert "interrupted: 20 of 50 draws of run" in text and f"stored in {store}" in text
    run_id = text.split("draws of run ")[1].split()[0]
    assert f"peninsula sweep --resume {run_id}" in text
    monkeypatch.setattr(montecarlo, "run_chunk", real)
    code, out, err = run("sweep", "--resume", run_id, "--store", store, "--format", "json")
    assert code == 0, err
    assert f"resumed run {run_id} from draw 20" in " ".join(err.split())
    assert json.loads(out)["draws"] == 50


def test_any_writer_creates_the_default_store_folder_but_not_a_named_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the levers command opens the store itself (not through the sweep's path): the first write of any
    # command makes the user's data folder; a folder the user named must exist
    from peninsula.simulate.store import RunStore, StoreError

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PENINSULA_STORE", raising=False)
    with RunStore.open() as st:
        assert Path(st.path) == tmp_path / "data" / "peninsula" / "peninsula-runs.duckdb"
    assert (tmp_path / "data" / "peninsula" / "peninsula-runs.duckdb").exists()
    with pytest.raises(StoreError, match="does not exist"), RunStore.open(tmp_path / "nowhere" / "s.duckdb"):
        pass


def test_the_at_status_quo_column_shows_when_there_are_ties_and_the_key_says_when(tmp_path: Path) -> None:
    fixed = tmp_path / "at-sq.yaml"
    peninsula.save(AT_SQ, fixed)  # both actors at the status quo, nothing drawn: every draw ties
    code, out, err = run(
        "sweep", str(fixed), "-n", "30", "--seed", "1", "-m", "compromise", "--no-store", "--noise", "none"
    )
    assert code == 0, err
    header = next(ln for ln in out.splitlines() if ln.startswith("issue")).split()
    row = next(ln for ln in out.splitlines() if ln.startswith("x ")).split()
    assert "=sq" in header and row[header.index("=sq")] == "1.00"
    code, out, _ = run("sweep", "-n", "60", "--seed", "1", "-m", "compromise", "--no-store")
    header = next(ln for ln in out.splitlines() if ln.startswith("issue")).split()
    assert code == 0 and "=sq" not in header and ">sq" in header
    assert "(=sq, the share at it, is shown when some issue has such ties" in " ".join(out.split())
