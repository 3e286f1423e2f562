"""numba's on-disk cache of peninsula's compiled functions depends on every file that defines compiled code
(``kernels._jit.install_dependency_stamp``): a caller cached before a callee's file changed is compiled
again, instead of running the old callee's machine code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from numba.core import caching

from peninsula.kernels import _jit

SRC = Path(__file__).resolve().parents[2] / "src" / "peninsula"


def test_the_digest_covers_the_kernel_files_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "kernels").mkdir()
    (tmp_path / "simulate").mkdir()
    (tmp_path / "kernels" / "a.py").write_text("x = 1\n")
    (tmp_path / "simulate" / "_compiled.py").write_text("y = 1\n")
    (tmp_path / "simulate" / "other.py").write_text("z = 1\n")
    before = _jit.kernel_digest.__wrapped__(tmp_path)
    (tmp_path / "simulate" / "other.py").write_text("z = 2\n")
    assert _jit.kernel_digest.__wrapped__(tmp_path) == before
    (tmp_path / "kernels" / "a.py").write_text("x = 2\n")
    changed = _jit.kernel_digest.__wrapped__(tmp_path)
    assert changed != before
    (tmp_path / "simulate" / "_compiled.py").write_text("y = 2\n")
    assert _jit.kernel_digest.__wrapped__(tmp_path) != changed


def test_only_the_packages_functions_are_stamped(tmp_path: Path) -> None:
    from peninsula.simulate import _compiled

    stamp = _compiled.exchange_draws._cache._impl.locator.get_source_stamp()
    assert stamp[1] == _jit.kernel_digest()
    outside = tmp_path / "elsewhere.py"
    outside.write_text("def f():\n    return 1\n")
    namespace: dict[str, object] = {}
    exec(compile(outside.read_text(), str(outside), "exec"), namespace)
    locator = caching.InTreeCacheLocator(namespace["f"], str(outside))
    assert isinstance(locator.get_source_stamp(), bytes)  # numba's own stamp, unchanged


def test_a_cached_caller_runs_the_callee_as_it_is_now(tmp_path: Path) -> None:
    """The failure this prevents: a cached function in one file calls a compiled function in a kernel file;
    the kernel file changes; the next process loaded the caller with the old callee inside."""
    root = tmp_path / "src"
    shutil.copytree(SRC, root / "peninsula", ignore=shutil.ignore_patterns("__pycache__"))
    callee = root / "peninsula" / "kernels" / "_probe.py"
    callee.write_text("from peninsula.kernels._jit import jit\n\n\n@jit\ndef f() -> int:\n    return 1\n")
    (root / "peninsula" / "_probe_user.py").write_text(textwrap.dedent("""
        from numba import njit

        from peninsula.kernels._probe import f


        @njit(cache=True)
        def g():
            return f()
    """))
    env = {**os.environ, "PYTHONPATH": str(root), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    code = "from peninsula._probe_user import g; print(g(), sum(g.stats.cache_hits.values()))"

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              check=True, cwd=tmp_path).stdout.split()

    assert run() == ["1", "0"]  # compiled and cached
    assert run() == ["1", "1"]  # loaded from the cache
    callee.write_text(callee.read_text().replace("return 1", "return 2"))
    assert run() == ["2", "0"]  # the caller is compiled again with the changed callee
    assert run() == ["2", "1"]
