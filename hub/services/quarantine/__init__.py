"""The quarantine, seen from the hub: held changes listed, shown, summarised and republished.

``entries`` reads the quarantine topics back from Kafka; ``service`` is what the API and the
CLI call. The record format belongs to ``connectors.publisher``.
"""
