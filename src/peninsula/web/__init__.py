"""The local web workbench (FastAPI + uvicorn); optional extra ``peninsula[web]``."""
