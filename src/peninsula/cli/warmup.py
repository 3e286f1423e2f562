"""``peninsula warmup``: compile every numba kernel now, so that no later command waits for it."""

from __future__ import annotations

import typer

from peninsula.cli._options import TableFormat, TableFormatOpt

__all__ = ["register"]


def warmup(fmt: TableFormatOpt = TableFormat.table) -> None:
    """Compile (or load from the cache) every numba kernel: run it on servers, workers and fresh installs.

    A fresh install's first forecast otherwise spends about half a minute compiling; compiled kernels are
    cached next to the package and loaded in well under a second by later processes.
    """
    from peninsula import api
    from peninsula.api.render import err, out, write_json

    steps = api.warmup(on_step=lambda name: err().print(f"warming up {name} ...", highlight=False))
    if fmt is TableFormat.json:
        write_json(
            [
                {"step": s.name, "seconds": s.seconds, "compiled": s.compiled, "loaded": s.loaded}
                for s in steps
            ]
        )
        return
    for s in steps:
        out().print(
            f"{s.name}: {s.seconds:.1f} s ({s.compiled} kernels compiled, {s.loaded} loaded from the cache)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``warmup`` to the main app."""
    app.command()(warmup)
