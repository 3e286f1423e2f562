"""The workbench's fixtures (a real uvicorn server, headless chromium) for the hostile-input tests."""

from tests.web.conftest import browser, client, server

__all__ = ["browser", "client", "server"]
