"""The ``hub`` command line: a thin client of the control-plane API (plus ``hub api`` to serve it)."""
