"""Around the pipelines: which sinks run in a process (``supervisor``), a subscriber's health
(``health``), moving a subscription back in time (``replay``), and the dead letters as
operators list and redeliver them (``dead_letter``)."""
