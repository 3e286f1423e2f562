"""Many draws' uniform streams at once, bit for bit those of ``numpy.random`` (SeedSequence → PCG64).

A sweep gives draw ``d`` the generator ``Generator(PCG64(SeedSequence(seed, spawn_key=(d, stream))))``
(:func:`peninsula.simulate.perturb.draw_generator`). Building one generator per draw costs tens of
microseconds, more than everything else a fast model does with the draw. :func:`spawned_uniforms` computes
the same numbers for a whole block of draws with array operations over the draws: SeedSequence's hash and
mix (O'Neill 2015, as numpy's ``bit_generator.pyx`` implements it), PCG64's seeding and its 128-bit LCG
with the XSL-RR output (O'Neill 2014, numpy's ``pcg64.h``) in two 64-bit halves, and ``random()``'s
``(next64 >> 11) · 2⁻⁵³``. ``tests/kernels/test_pcg.py`` checks it against numpy for many seeds and draws.
Integer arrays wrap modulo 2³² or 2⁶⁴ (numpy does not warn on array overflow), which is the arithmetic
both algorithms are defined in.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peninsula.kernels import _notice
from peninsula.kernels._jit import jit, jit_inline

__all__ = ["spawned_integers", "spawned_uniforms"]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

# SeedSequence constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _XSHIFT, _POOL = 0xCA01F9DD, 0x4973F715, 16, 4
_M32 = 0xFFFFFFFF
# PCG64's default 128-bit multiplier, as two 64-bit halves
_MUL_HI, _MUL_LO = 2549297995355413924, 4865540595714422341


def _words(n: int) -> list[int]:
    """numpy's ``_int_to_uint32_array``: little-endian 32-bit words of a non-negative int ([0] for 0)."""
    out = []
    while n > 0:
        out.append(n & _M32)
        n >>= 32
    return out or [0]


def _hashmix(value: U32, const: int) -> tuple[U32, int]:
    value = value ^ np.uint32(const)
    const = (const * _MULT_A) & _M32
    value = value * np.uint32(const)
    return value ^ (value >> np.uint32(_XSHIFT)), const


def _mix(x: U32, y: U32) -> U32:
    r: U32 = x * np.uint32(_MIX_MULT_L) - y * np.uint32(_MIX_MULT_R)
    return r ^ (r >> np.uint32(_XSHIFT))


@jit_inline
def _mulhi(a: np.uint64, b: np.uint64) -> np.uint64:
    """The high 64 bits of the 128-bit product ``a · b``, from 32-bit pieces."""
    m32 = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    a0 = a & m32
    a1 = a >> s32
    b0 = b & m32
    b1 = b >> s32
    p00 = a0 * b0
    p01 = a0 * b1
    p10 = a1 * b0
    p11 = a1 * b1
    mid = (p00 >> s32) + (p01 & m32) + (p10 & m32)
    return p11 + (p01 >> s32) + (p10 >> s32) + (mid >> s32)


@jit_inline
def _step(
    h: np.uint64, lo_: np.uint64, ih: np.uint64, il: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64]:
    """One PCG64 step ``state · MULT + inc`` on ``(h, lo_)``; the new state and its XSL-RR output."""
    mul_hi = np.uint64(_MUL_HI)
    mul_lo = np.uint64(_MUL_LO)
    new_hi = _mulhi(lo_, mul_lo) + lo_ * mul_hi + h * mul_lo
    new_lo = lo_ * mul_lo
    lo_ = new_lo + il
    h = new_hi + ih + (np.uint64(1) if lo_ < new_lo else np.uint64(0))
    value = h ^ lo_
    rot = h >> np.uint64(58)
    x = (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))
    return h, lo_, x


@jit
def _pcg_uniforms(hi: U64, lo: U64, inc_hi: U64, inc_lo: U64, out: npt.NDArray[np.float64]) -> None:
    """PCG64 from states ``(hi, lo)`` (after seeding) and increments: ``out[r, j]`` = draw r's j-th double.

    Per output: the 128-bit step ``state · MULT + inc`` (the high half of ``lo · MUL_LO`` from 32-bit
    pieces), the XSL-RR output ``rotr64(hi ^ lo, hi >> 58)`` and ``(x >> 11) · 2⁻⁵³``.
    """
    n, k = out.shape
    for r in range(n):
        h = hi[r]
        lo_ = lo[r]
        ih = inc_hi[r]
        il = inc_lo[r]
        for j in range(k):
            h, lo_, x = _step(h, lo_, ih, il)
            out[r, j] = float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def _pcg_bounded(hi: U64, lo: U64, inc_hi: U64, inc_lo: U64, rng: np.uint64, out: U64) -> None:
    """``out[r]`` = draw r's ``Generator.integers(0, rng + 1)`` (int64 bounds, one number), as numpy does it.

    numpy's ``random_bounded_uint64`` without masking is Lemire's method (``bounded_lemire_uint64``): the
    high half of ``next64 · (rng + 1)``, a next output drawn while the low half is below
    ``(2⁶⁴ − 1 − rng) mod (rng + 1)``. The states are seeded one step early (see :func:`spawned_uniforms`):
    the first output is dropped.
    """
    excl = rng + np.uint64(1)
    threshold = (np.uint64(0xFFFFFFFFFFFFFFFF) - rng) % excl
    for r in range(out.shape[0]):
        h = hi[r]
        lo_ = lo[r]
        ih = inc_hi[r]
        il = inc_lo[r]
        h, lo_, x = _step(h, lo_, ih, il)  # the dropped output
        h, lo_, x = _step(h, lo_, ih, il)
        m_lo = x * excl
        if m_lo < excl:
            while m_lo < threshold:
                h, lo_, x = _step(h, lo_, ih, il)
                m_lo = x * excl
        out[r] = _mulhi(x, excl)


def _seeded(seed: int, draws: npt.NDArray[np.int64], stream: int) -> tuple[U64, U64, U64, U64]:
    """PCG64 states (high, low halves) and increments of every draw's generator, one step before seeding ends.

    ``Generator(PCG64(SeedSequence(seed, spawn_key=(draw, stream))))`` for each draw: the caller's first
    PCG64 step completes the seeding (its output is dropped).
    """
    d = np.asarray(draws, dtype=np.int64)
    if d.size and (int(d.min()) < 0 or int(d.max()) > _M32):
        raise ValueError("draw indices must lie in 0 .. 2**32 - 1")
    if seed < 0 or stream < 0:
        raise ValueError("seed and stream must be non-negative")
    n = d.size
    # the assembled entropy: the seed's words padded with zeros to the pool size, then the spawn key's
    run = _words(seed)
    run += [0] * max(0, _POOL - len(run))
    columns: list[U32] = [np.full(n, w, dtype=np.uint32) for w in run]
    columns.append(d.astype(np.uint32))
    columns += [np.full(n, w, dtype=np.uint32) for w in _words(stream)]
    # SeedSequence.mix_entropy
    const = _INIT_A
    pool: list[U32] = []
    for i in range(_POOL):
        v, const = _hashmix(columns[i], const)
        pool.append(v)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                v, const = _hashmix(pool[i_src], const)
                pool[i_dst] = _mix(pool[i_dst], v)
    for i_src in range(_POOL, len(columns)):
        for i_dst in range(_POOL):
            v, const = _hashmix(columns[i_src], const)
            pool[i_dst] = _mix(pool[i_dst], v)
    # SeedSequence.generate_state(4, uint64): eight 32-bit words, paired little-endian
    const = _INIT_B
    words: list[U32] = []
    for i in range(8):
        v = pool[i % _POOL] ^ np.uint32(const)
        const = (const * _MULT_B) & _M32
        v = v * np.uint32(const)
        words.append(v ^ (v >> np.uint32(_XSHIFT)))
    s32 = np.uint64(32)
    val = [words[2 * i].astype(np.uint64) | (words[2 * i + 1].astype(np.uint64) << s32) for i in range(4)]
    # PCG64: state = (val0, val1), inc = ((val2, val3) << 1) | 1; srandom: step, add the state, step
    one, s63 = np.uint64(1), np.uint64(63)
    inc_hi = (val[2] << one) | (val[3] >> s63)
    inc_lo = (val[3] << one) | one
    hi, lo = inc_hi.copy(), inc_lo.copy()  # 0 · MULT + inc
    lo2 = lo + val[1]
    hi = hi + val[0] + (lo2 < lo).astype(np.uint64)
    return hi, lo2, inc_hi, inc_lo


def spawned_uniforms(seed: int, draws: npt.NDArray[np.int64], stream: int, k: int) -> npt.NDArray[np.float64]:
    """``(len(draws), k)``: row ``r`` is ``draw_generator(seed, draws[r], stream).random(k)``, bit for bit.

    ``seed``, the draws and ``stream`` are non-negative integers; draws below 2³² (every sweep's).

    Examples
    --------
    >>> g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(3, 0))))
    >>> bool(np.array_equal(spawned_uniforms(7, np.array([3]), 0, 5)[0], g.random(5)))
    True
    """
    hi, lo2, inc_hi, inc_lo = _seeded(seed, draws, stream)
    n = hi.size
    # one more step (srandom's second), done by the loop: step back is not needed, so seed the loop with
    # the state before it and ask for one extra output, then drop it
    out = np.empty((n, k + 1))
    _notice.prepare("the sweep's random streams", _pcg_uniforms, hi, lo2, inc_hi, inc_lo, out)
    _pcg_uniforms(hi, lo2, inc_hi, inc_lo, out)
    return np.ascontiguousarray(out[:, 1:])


def spawned_integers(seed: int, draws: npt.NDArray[np.int64], stream: int, high: int) -> U64:
    """``draw_generator(seed, d, stream).integers(0, high)`` for every draw ``d`` (one each), bit for bit.

    ``2³² < high <= 2⁶³ − 1`` (numpy draws smaller ranges from 32-bit outputs, which this does not do);
    returned as ``uint64``.

    Examples
    --------
    >>> g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(3, 1))))
    >>> int(spawned_integers(7, np.array([3]), 1, 2**63 - 1)[0]) == int(g.integers(0, 2**63 - 1))
    True
    """
    if not 2**32 < high <= 2**63 - 1:
        raise ValueError("high must lie in 2**32 + 1 .. 2**63 - 1")
    hi, lo2, inc_hi, inc_lo = _seeded(seed, draws, stream)
    out = np.empty(hi.size, dtype=np.uint64)
    rng = np.uint64(high - 1)
    _notice.prepare("the sweep's random streams", _pcg_bounded, hi, lo2, inc_hi, inc_lo, rng, out)
    _pcg_bounded(hi, lo2, inc_hi, inc_lo, rng, out)
    return out
