"""Process-wide telemetry: the tracer provider (OTLP export only when configured), logging and
the metric definitions (``metrics``, one registry), shared by every layer above.
"""

from hub.telemetry.logs import setup_logging
from hub.telemetry.tracing import setup_tracing

__all__ = ["setup_logging", "setup_tracing"]
