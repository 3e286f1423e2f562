"""peninsula: simulate and forecast the U.S.-ROK alliance's policy toward North Korea."""

__version__ = "0.1.0"
