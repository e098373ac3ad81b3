"""The local development and test stack: a real Apache Kafka broker and a real PostgreSQL.

Both run as plain processes (no containers) with their data, logs and pid files in the
git-ignored state directory. ``stack.ensure()`` starts whatever is not already running and
is idempotent; ``stack.stop()`` stops what it started.
"""

from devtools.devstack.stack import Endpoints, ensure, status, stop

__all__ = ["Endpoints", "ensure", "status", "stop"]
