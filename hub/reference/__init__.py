"""The reference pages under ``docs/reference/``, generated from the code so they cannot drift.

``python -m hub.reference`` writes every page (connector options, subscription options, settings,
error codes, metrics); ``--check`` writes nothing and exits 1 when a committed page differs from
what the code says, which a test runs. ``pages.PAGES`` lists them.
"""
