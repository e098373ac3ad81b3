"""The shared vocabulary of the hub: events, feeds, contracts, administrative units, errors.

Nothing in this package performs I/O; ``connectors`` and ``hub`` both import from it and never
from each other's internals in the other direction (``schemas`` imports neither).
"""
