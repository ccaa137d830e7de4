"""Alembic migration scripts for the service's store (applied by service.store.migrate)."""
