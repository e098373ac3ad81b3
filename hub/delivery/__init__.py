"""The delivery runtime: from the feed topics to the subscribers' webhooks (``hub run``)."""
