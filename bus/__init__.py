"""The hub's one Kafka adapter: the only package that imports aiokafka or sees its errors.

- ``producer``: the idempotent ``acks=all`` producer (connectors and hub);
- ``consumer``: group members that commit only when told, and group-less readers;
- ``admin``: topics, partition counts, committed offsets, reset to a time, the readiness probe;
- ``topic_layout``: partitions, replication factor, ``min.insync.replicas``, and what to do with
  a topic that exists with another partition count;
- ``security``: TLS, SASL/SCRAM and mTLS as aiokafka options;
- ``fetch_limits``: how much a consumer prefetches, and how long an idle fetch waits;
- ``profile``: the process's security, layout and fetch limits, installed once, read by every client;
- ``reads``: records at addresses, or whole topics, read without joining a group;
- ``headers``: every ``hub-*`` record header and its encoding;
- ``errors``: where Kafka's errors become ``BusError``;
- ``ports``: the protocols the adapter and ``memory`` (an in-memory broker for unit tests) share.

The broker's address is always passed in by the caller, from its settings.
"""

CLIENT_LOGGER = "aiokafka"  # the Kafka client's logger: processes quiet it (rebalances, refusals)

__all__ = ["CLIENT_LOGGER"]
