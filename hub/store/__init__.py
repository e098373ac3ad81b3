"""The control-plane store: SQLAlchemy 2 models per area, one engine, Alembic migrations.

SQLite file by default, PostgreSQL by URL (``HUB_DATABASE_URL``). Each area (contracts,
connectors, subscriptions, deliveries, access) owns one module of models and one migration.
"""
