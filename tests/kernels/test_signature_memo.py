"""The remembered numba signatures (``kernels._notice.signature_of``) are numba's own, argument for argument.

"numba's own" is the dispatcher's ``typeof_pyval``, which the memo replaces (it gives ``pyobject`` for a
type numba cannot compile, such as a byte-swapped array, where ``numba.typeof`` raises).

A forecast asks for the signature of every kernel call twice (is it compiled or cached? compile it now with
the notice?); typing each argument anew cost about half of a small forecast, so the signature is remembered
by a cheap key of what numba's ``typeof`` depends on. Any two arguments with one key must have one type:
otherwise a kernel would be looked up, or compiled, for the wrong signature.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numba import njit

from peninsula.kernels import _notice
from peninsula.kernels._notice import signature_of


@njit(cache=False)
def _probe(a):  # type: ignore[no-untyped-def]  # a dispatcher to type against; never called
    return a


def _variants() -> list[Any]:
    base = np.arange(24.0).reshape(4, 6)
    readonly = base.copy()
    readonly.flags.writeable = False
    unaligned = np.frombuffer(b"\0" + np.arange(4.0).tobytes(), dtype=np.float64, offset=1)
    record = np.zeros(3, dtype=np.dtype([("a", np.int32), ("b", np.float64)], align=True))
    return [
        base, base.T, base[:, ::2], base[0], base[:, 0], readonly, unaligned, record,
        base.astype(np.float32), base.astype(">f8"), np.arange(3), np.arange(3, dtype=np.uint64),
        np.zeros((2, 2, 2)), np.asfortranarray(np.zeros((2, 2, 2))), np.zeros(0), np.float64(1.5),
        np.uint64(2**63 + 5), np.int32(3), np.bool_(True), np.datetime64("2020-01-01", "D"),
        np.datetime64("2020-01-01T00:00:00", "s"), 1.5, True, False, 7, -(2**63), 2**63 - 1, 2**63, 2**64 - 1,
    ]


@pytest.mark.parametrize("arg", _variants(), ids=lambda a: f"{type(a).__name__}-{getattr(a, 'dtype', '')}")
def test_a_remembered_signature_is_numbas_own(arg: Any) -> None:
    assert signature_of(_probe, (arg,)) == (_probe.typeof_pyval(arg),)
    assert signature_of(_probe, (arg,)) == (_probe.typeof_pyval(arg),)  # the second time from the memo


def test_arguments_of_different_types_never_share_a_memo_entry() -> None:
    args = _variants()
    for a in args:  # every variant remembered first, in one order ...
        signature_of(_probe, (a,))
    for a in reversed(args):  # ... then each must still be its own type
        assert signature_of(_probe, (a,)) == (_probe.typeof_pyval(a),), a


def test_an_argument_numba_cannot_key_is_typed_each_time() -> None:
    before = len(_notice._signatures)
    signature_of(_probe, ((1.0, 2.0),))  # a tuple: no cheap key
    assert len(_notice._signatures) == before

