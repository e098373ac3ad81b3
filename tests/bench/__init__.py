"""The benchmark suite behind ``make bench`` (``python -m tests.bench``), not a test suite.

Performance is measured here, as ratios against a baseline measured in the same run, and never
asserted in tests: no module is named ``test_*``, so pytest collects nothing from this package.
One module per benchmark (``capture``, ``publish``, ``latency``, ``delivery``, ``routing``), each
exposing ``run(...) -> list[Measurement]``; ``report`` prints and stores what they found.
"""
