"""Declarative mapping of a source table onto its feed's contract (pure, no I/O).

``config`` (what a connector file declares), ``values`` (one value through one rule),
``rows`` (a change in the contract's shape), ``checks`` (a mapping against the live table's
column types and the contract, at apply), ``pipeline`` (a connector's mappings, for the
publisher), ``lookup`` (where contracts are found).
"""
