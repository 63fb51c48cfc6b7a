"""The web app behind ``crudeflow serve``: a JSON API and a planner page (see :mod:`.app`)."""

from crudeflow.web.app import create_app

__all__ = ["create_app"]
