"""Delivery as a one-way pipeline: the modules are its steps, numbered in the order an event takes.

``s1_intake`` (consumer, offsets, co-partitioning, retry catch-up, decode, routing decision)
-> ``s2_schedule`` (due time, per-key order, batching, parking behind a key in retry)
-> ``s3_attempt`` (sign, send, quick tries, classify; RETURNS a verdict per job)
-> ``s4_outcome`` (the one place where verdicts take effect: offsets resolved, retry and
dead-letter topics, health and state, delivery log; returns how the scheduler settles each job).

Each step hands on to the next and none calls back into the one before it; the scheduler runs
steps 3 and 4 for a request and settles its own queues from what they return. ``hub.delivery.sink``
wires the four together for one subscription.
"""
