"""Files that are not what a reader expects: missing, folders, empty, binary, other encodings, too big."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from peninsula.core.limits import MAX_FIELD_CHARS, MAX_FILE_BYTES
from peninsula.io import load
from tests.conftest import DECIDE_INPUTS
from tests.robustness._helpers import assert_input_error

SAMPLE = (DECIDE_INPUTS / "sample_data.txt").read_text(encoding="utf-8")


def test_missing_file_and_folder_are_told_apart(tmp_path: Path) -> None:
    assert_input_error(["validate", str(tmp_path / "nope.csv")], "no such file")
    assert_input_error(["validate", str(tmp_path)], "is a folder, not a file")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\x00\x01\x02\xff" * 50])
def test_empty_and_binary_files(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(content)
    assert_input_error(["validate", str(f)], "x.csv")


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_unicode_encodings_are_read(tmp_path: Path, encoding: str, bom: bytes) -> None:
    f = tmp_path / "sample_data.txt"
    f.write_bytes(bom + SAMPLE.encode(encoding))
    assert load(f) == load(DECIDE_INPUTS / "sample_data.txt")


def test_damaged_utf16_names_the_encoding(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le")[:-1] + b"\x00\xd8")
    assert_input_error(["validate", str(f)], "UTF-16 LE")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    with open(f, "wb") as fh:  # sparse: no disk space used
        fh.truncate(MAX_FILE_BYTES + 1)
    assert_input_error(["validate", str(f)], "big.txt", "over the input limit of 64 MiB")


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_field_over_the_field_limit(tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"long{suffix}"
    if suffix == ".txt":  # a DECIDE file
        f.write_text(SAMPLE + "#A\t" + "x" * (MAX_FIELD_CHARS + 1) + "\n")
        line = SAMPLE.count("\n") + 1
    else:  # a BDM table with a 50 MB-style single field (quoted, so it is one field)
        f.write_text(
            'Actor,Capability,Position,Salience\nA,1,0,1\n"' + "y" * (MAX_FIELD_CHARS * 2) + '",1,2,1\n'
        )
        line = 3
    assert_input_error(["validate", str(f)], rf"long{suffix}:{line}", "longer than the limit")
