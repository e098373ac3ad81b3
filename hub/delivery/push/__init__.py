"""The HTTP side of an attempt: the signed push (``sender``, ``signing``), what may be reached
(``endpoint_safety``), how fast (``rate_limit``), and what a failed push means (``failures``)."""
