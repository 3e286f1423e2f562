"""The first run after installing: small inputs run the kernels as plain Python while they compile apart.

numba compiles a kernel on its first call and caches the machine code; on a fresh install that is about
25 s of CPU for the exchange kernel and 5 s for the expected-utility kernels (several times that on a busy
machine), so the first ``peninsula forecast`` would spend most of its time compiling (issue 26: the first
run should take at most 15 s). With the policy ``auto`` (the default) a kernel that is neither in this
process nor in numba's cache runs as plain Python when its input is small: the same source with numba's
decorators switched off (:func:`interpreted`), so the same operations on the same IEEE doubles and the same
numbers (``tests/kernels/test_cold.py`` checks that), and one background process at the lowest priority
(:func:`start_background_compile`) compiles every kernel into numba's cache for the next run
(:func:`peninsula.simulate.warmup.background`). A large input compiles at once, as before (with the compile
notice). ``PENINSULA_JIT=compile`` in the environment (or :func:`set_policy`) always compiles at once;
``peninsula warmup`` compiles everything ahead of time.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from peninsula.kernels._notice import kernel_clock, prepare, signature_of

__all__ = [
    "NUMBA_MODULES",
    "Policy",
    "choose",
    "interpreted",
    "lock_path",
    "policy",
    "set_policy",
    "start_background_compile",
]

log = logging.getLogger("peninsula")

Policy = Literal["auto", "compile"]

#: The kernel modules that define numba-compiled functions, re-imported together by :func:`interpreted`
#: (each imports the others' compiled functions, so their plain copies must come from one import).
NUMBA_MODULES = (
    "peninsula.kernels._jit",
    "peninsula.kernels._heap",
    "peninsula.kernels._csr",
    "peninsula.kernels.exchange",
    "peninsula.kernels._eu_numba",
)

_state: dict[str, Any] = {"policy": None, "spawned": False, "told": False}
_lock = threading.Lock()
_copies: dict[str, ModuleType] = {}
#: Seconds during which a kernel found missing from numba's cache is not looked up again.
_RECHECK = 5.0
_missing: dict[tuple[int, tuple[Any, ...]], float] = {}


def policy() -> Policy:
    """``"auto"`` (default) or ``"compile"``: :func:`set_policy`, else ``PENINSULA_JIT``, else ``"auto"``."""
    chosen = _state["policy"]
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return "compile" if os.environ.get("PENINSULA_JIT", "").strip().lower() == "compile" else "auto"


def set_policy(value: Policy | None) -> Policy | None:
    """Set this process's policy (``None``: back to ``PENINSULA_JIT``); returns the setting it replaces.
    ``peninsula warmup`` sets ``"compile"`` while it runs."""
    if value not in (None, "auto", "compile"):
        raise ValueError(f"policy must be 'auto' or 'compile', not {value!r}")
    before: Policy | None = _state["policy"]
    _state["policy"] = value
    return before


def _signature(dispatcher: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return signature_of(dispatcher, args)


def _load_cached(dispatcher: Any, args: tuple[Any, ...]) -> bool:
    """Whether ``dispatcher`` holds the signature of ``args`` now, loading it from numba's cache if it is
    there (never compiling). Time spent loading goes on the kernel clock."""
    sig = _signature(dispatcher, args)
    if sig in dispatcher.overloads:
        return True
    key = (id(dispatcher), sig)
    if time.monotonic() - _missing.get(key, -_RECHECK) < _RECHECK:
        return False
    with kernel_clock():
        try:
            # What numba's Dispatcher.compile does on a cache hit, without compiling on a miss.
            cres = dispatcher._cache.load_overload(sig, dispatcher.targetctx)
            if cres is not None:
                dispatcher.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
                dispatcher.add_overload(cres)
                dispatcher._cache_hits[sig] += 1
        except Exception as exc:  # numba's internals changed: compile as before
            log.debug("numba cache lookup failed (%s); compiling", exc)
            return False
    if cres is None:
        _missing[key] = time.monotonic()
        return False
    return True


def interpreted(name: str) -> ModuleType:
    """A copy of the kernel module ``name`` whose numba functions are plain Python functions.

    The modules of :data:`NUMBA_MODULES` are imported afresh with numba's ``DISABLE_JIT`` set (so their
    decorators return the functions themselves, and ``_jit.INTERPRETED`` is true in the copies), then
    ``sys.modules`` and the package's attributes are put back: the compiled modules stay what every other
    import sees. The copies are made once per process.
    """
    if name not in NUMBA_MODULES:
        raise ValueError(f"{name} is not one of the numba kernel modules {NUMBA_MODULES}")
    with _lock:
        if name in _copies:
            return _copies[name]
        import numba

        config: Any = numba.config  # numba ships no type hints for its settings
        package = sys.modules["peninsula.kernels"]
        short = [m.rsplit(".", 1)[1] for m in NUMBA_MODULES]
        saved_modules = {m: sys.modules.pop(m) for m in NUMBA_MODULES if m in sys.modules}
        saved_attrs = {a: getattr(package, a) for a in short if hasattr(package, a)}
        old = config.DISABLE_JIT
        config.DISABLE_JIT = True
        try:
            for m in NUMBA_MODULES:
                _copies[m] = importlib.import_module(m)
        finally:
            config.DISABLE_JIT = old
            for m in NUMBA_MODULES:
                sys.modules.pop(m, None)
            sys.modules.update(saved_modules)
            for a in short:
                if a in saved_attrs:
                    setattr(package, a, saved_attrs[a])
                elif hasattr(package, a):
                    delattr(package, a)
        return _copies[name]


def lock_path() -> Path:
    """The lock file the background compile holds while it runs (one per installation and numba cache)."""
    where = f"{Path(__file__).resolve().parent}|{os.environ.get('NUMBA_CACHE_DIR', '')}"
    user = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"peninsula-compile-{user}-{zlib.crc32(where.encode()):08x}.lock"


def _compile_running() -> bool:
    """Whether a background compile holds :func:`lock_path` (``False`` where locks are not available)."""
    try:
        import fcntl
    except ImportError:  # Windows: no check; a second compile only repeats the first's work
        return False
    try:
        with open(lock_path(), "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def start_background_compile() -> bool:
    """Start, once per process, ``peninsula.simulate.warmup.background()`` in a detached process at the
    lowest priority, unless one is running. Returns whether one was started."""
    with _lock:
        if _state["spawned"]:
            return False
        _state["spawned"] = True
    if _compile_running():
        return False
    env = {**os.environ, "PENINSULA_JIT": "compile"}
    code = "from peninsula.simulate.warmup import background; background()"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
    except OSError as exc:
        log.info("could not start the background compile (%s); the kernels compile on a later run", exc)
        return False
    _state["process"] = proc  # held, so that it is not collected (and reported) while this process runs
    atexit.register(_leave_running, proc)
    return True


def _leave_running(proc: subprocess.Popen[bytes]) -> None:
    """At exit, leave the background compile running on purpose: it outlives a short command by design, so
    Python's "subprocess ... is still running" ResourceWarning (printed by the CLI, which shows warnings) is
    not a fault to report to the user."""
    if proc.poll() is None:
        proc.returncode = 0  # detached by design (start_new_session): nothing of ours waits for it


def _tell(label: str) -> None:
    """One line (once per process) saying that this run uses the kernels uncompiled."""
    with _lock:
        if _state["told"]:
            return
        _state["told"] = True
    msg = (
        f"first run after installing: {label} run uncompiled this time; they compile in the background "
        "for the next run (`peninsula warmup` does it ahead)"
    )
    log.info(msg)
    if sys.stderr.isatty():
        sys.stderr.write(f"peninsula: {msg}\n")
        sys.stderr.flush()


def choose(
    label: str, module: str, calls: dict[str, tuple[Any, ...]], *, small: bool
) -> Callable[[str], Any]:
    """The functions to call for one kernel step: compiled ones, or plain-Python ones on a cold start.

    Parameters
    ----------
    label:
        What compiles, for the notices ("the exchange kernel").
    module:
        The kernel module (one of :data:`NUMBA_MODULES`).
    calls:
        Function name -> example arguments (their types select the compiled signature).
    small:
        Whether the input is small enough to run uncompiled in about a second.

    Returns
    -------
    Callable
        ``get(name)``: the function to call. Compiled (loaded from numba's cache, or compiled now with the
        notice) unless the policy is ``auto``, some signature is in neither this process nor the cache,
        and ``small``: then the plain-Python copy (:func:`interpreted`), and the background compile starts.
    """
    mod = sys.modules.get(module) or importlib.import_module(module)
    dispatchers = {name: getattr(mod, name) for name in calls}
    if any(not hasattr(d, "typeof_pyval") for d in dispatchers.values()):  # numba is off (NUMBA_DISABLE_JIT)
        return dispatchers.__getitem__
    ready = all(_load_cached(dispatchers[n], args) for n, args in calls.items())
    if not ready and small and policy() == "auto":
        copy = interpreted(module)
        _tell(label)
        start_background_compile()
        return lambda name: getattr(copy, name)
    for n, args in calls.items():
        prepare(label, dispatchers[n], *args)
    return dispatchers.__getitem__
