"""The control-plane HTTP API (FastAPI, ``/v1``, OpenAPI at ``/docs``)."""

from hub.api.app import create_app

__all__ = ["create_app"]
