"""``make demo``: the whole system on one machine, from ministry databases to portals."""
