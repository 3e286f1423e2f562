"""Every registered command, given bad arguments, answers with exit 2 (or 0) and never an internal error.

The commands are read from the app at test time, so commands added later are walked too. For each
parameter of each command, runs give that parameter bad values of its kind (for files and strings: a
missing file, a folder, an empty string, a binary file, a 30,000-deep YAML file; for numbers: -1, 10**9
and a word; for choices: an unknown one) while the other parameters get small plausible values.
"""

from __future__ import annotations

import enum
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import typer

from peninsula.cli import app
from tests.robustness._helpers import run

ROOT = Path(__file__).resolve().parents[2]
SMALL = {  # plausible, cheap values for the parameters that are not under test
    "from_": "2018-06",
    "months": "3",
    "train_end": "2019-12",
    "test_end": "2020-03",
    "outcomes": str(ROOT / "data" / "deu" / "deu_train_issues.csv"),
    "paths": str(ROOT / "tests" / "reference" / "decide" / "inputs" / "cop21.csv"),
    "source": "korea-2019-04",
    "scenario": "korea-2019-04",
    "run_id": "no-such-run",
    "first": "no-such-run",
    "second": "no-such-run",
    "draws": "20",
    "sims": "10",
    "rounds": "1",
    "horizon": "1",
    "workers": "1",
}


def _commands() -> list[tuple[list[str], Any]]:
    out: list[tuple[list[str], Any]] = []

    def walk(prefix: list[str], cmd: Any) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk([*prefix, name], sub)
        else:
            out.append((prefix, cmd))

    walk([], typer.main.get_command(app))
    return out


def _kind(p: Any) -> type | None:
    ann = getattr(getattr(p, "type_descriptor", None), "annotation", None)
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    return args[0] if args else ann


OUTPUT_FILES = {"out", "out_png", "events", "out_path"}  # files a command writes
OUTPUT_FOLDERS = {"png", "store"}  # folders or stores a command writes into


def _bad_values(p: Any, tmp: Path) -> list[str]:
    kind = _kind(p)
    if kind in (int, float):
        return ["-1", str(10**20), "xml"]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return ["xml"]
    (tmp / "deep.yaml").write_text("[" * 30_000 + "]" * 30_000)
    (tmp / "binary.csv").write_bytes(b"\x00\xff" * 100)
    if p.name in OUTPUT_FILES:
        return ["", str(tmp), str(tmp / "missing" / "x.png"), "/dev/full"]
    if p.name in OUTPUT_FOLDERS:
        return ["", str(tmp / "binary.csv")]
    return [str(tmp / "missing.csv"), str(tmp), "", str(tmp / "binary.csv"), str(tmp / "deep.yaml")]


def _argv(path: list[str], cmd: Any, target: Any, value: str, tmp: Path) -> list[str]:
    argv = [*path]
    for p in cmd.params:
        if getattr(p, "is_flag", False) or p.name == "help":
            continue
        if p is target:
            v: str | None = value
        elif p.name in SMALL and (p.required or p.param_type_name == "option"):
            v = SMALL[p.name]
        elif p.name in ("store", "out_path"):
            v = str(tmp / f"{p.name}.out")
        elif p.required:
            v = "korea-2019-04"
        else:
            v = None
        if v is not None:
            argv += [v] if p.param_type_name == "argument" else [p.opts[0], v]
    return argv


COMMANDS = _commands()


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_no_bad_argument_reaches_the_internal_error_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: list[str], cmd: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # whatever a command writes by default lands here
    params = [p for p in cmd.params if not getattr(p, "is_flag", False) and p.name != "help"]
    for target in params:
        for value in _bad_values(target, tmp_path):
            argv = _argv(path, cmd, target, value, tmp_path)
            if path == ["serve"]:  # a server that starts would block: a separate process with a deadline
                if target.name != "port":
                    continue
                try:
                    r = subprocess.run(
                        [sys.executable, "-c", "from peninsula.cli import main; main()", *argv],
                        capture_output=True,
                        text=True,
                        timeout=30,
                    )
                except subprocess.TimeoutExpired:
                    pytest.fail(f"{argv} started a server")
                code, text = r.returncode, r.stdout + r.stderr
            else:
                code, text = run(*argv)
            assert code in (0, 2), f"{argv} -> exit {code}:\n{text[-2000:]}"
            assert "internal error" not in text and "Traceback" not in text, f"{argv}:\n{text[-2000:]}"


def test_the_walk_covers_every_command() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"forecast", "evaluate", "validate", "convert", "models", "whatif", "backtest", "sources"} <= names
