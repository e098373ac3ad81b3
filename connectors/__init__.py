"""Source connectors: capture changes in ministry databases and publish them to Kafka."""
