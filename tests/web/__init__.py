"""Tests of the web app (``crudeflow serve``): API, schema and browser."""
