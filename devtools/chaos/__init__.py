"""The chaos suite (``make chaos``): the faults of issue 11 against a real stack of its own.

::

    private_stack  a broker and a PostgreSQL of the suite's own, which it stops at will
    source         the source table and the driver committing labelled changes
    fleet          the hub processes, killed and started again
    scenario       the run: processes, changes, faults, drain, the stop with the broker down
    verdict        expected vs received per portal, worked out without asking the hub
    report         the tables
"""
