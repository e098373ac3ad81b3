"""``python -m hub.cli``: the same as the ``hub`` console script, without needing it on PATH."""

from hub.cli.main import app

app()
