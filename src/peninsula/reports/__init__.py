"""The one render layer: consoles, JSON, number formats, tables and plots for the CLI, reports and web.

Nothing here computes a forecast; every function takes results from the layers below and renders them.
Modules import their heavy libraries (rich, matplotlib, pandas) inside functions, so importing
:mod:`peninsula.reports` costs nothing at CLI start-up.
"""
