"""``peninsula serve``: the local web workbench (FastAPI + uvicorn), bound to 127.0.0.1 by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

LOCALHOST = "127.0.0.1"
#: The workbench app factory, as uvicorn imports it.
APP_FACTORY = "peninsula.web.app:create_app"


def serve(
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS",
            help="Address to bind. Anything but 127.0.0.1 exposes the workbench to the network.",
        ),
    ] = LOCALHOST,
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.", min=1, max=65535)] = 8000,
    store: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Run store (DuckDB file) that 'save run' writes to (default: peninsula's store).",
        ),
    ] = None,
) -> None:
    """Start the workbench: edit a scenario in the browser, run models and sweeps, download the report."""
    import os

    from peninsula.api.render import err

    try:
        import fastapi  # noqa: F401 (only checks that the web extra is installed)
        import uvicorn
    except ImportError as exc:  # pragma: no cover - the web extra is part of the dev install
        from peninsula.core.errors import ParameterError

        raise ParameterError(
            f"the workbench needs the web extra ({exc.name} is missing): {install_hint('web')}"
        ) from None
    if host not in (LOCALHOST, "localhost", "::1"):
        err().print(
            f"[yellow]warning:[/yellow] binding {host}: anyone who can reach this address can use the "
            "workbench and run models on this machine (there is no login)."
        )
    if store is not None:
        # The app reads the store path when it saves a run (peninsula.simulate.store.default_store_path).
        os.environ["PENINSULA_STORE"] = str(store)
    err().print(f"peninsula workbench on http://{host}:{port}/  (API docs: /docs; Ctrl-C stops it)")
    # The CLI and the web app are independent layers (neither imports the other): uvicorn imports the app
    # factory by name.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="warning")


def install_hint(extra: str) -> str:
    """How to install ``extra``: from the clone (``pip install -e '.[web]'`` in it) when peninsula runs from
    an editable install of a checkout, else from the package index."""
    import json
    import sys
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("peninsula")
        direct = dist.read_text("direct_url.json")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        direct = None
    if direct:
        try:
            info = json.loads(direct)
        except ValueError:
            info = {}
        url = str(info.get("url", ""))
        if url.startswith("file://") and info.get("dir_info", {}).get("editable"):
            root = url.removeprefix("file://")
            return f"pip install -e '.[{extra}]' in {root} (with this Python's pip: {sys.executable} -m pip)"
    return f"pip install 'peninsula[{extra}]'"


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
