"""Development tooling, kept out of the shipped runtime: the local Kafka + PostgreSQL stack
(``devstack``), the end-to-end demo (``demo``), the reference webhook receiver (``portal``) and
``dev`` (the whole hub in one process). Run from the repository root: ``python -m devtools``.

The runtime packages (``schemas``, ``bus``, ``connectors``, ``hub``) never import this package
(an import-linter contract holds that line); the container image does not contain it.
"""
