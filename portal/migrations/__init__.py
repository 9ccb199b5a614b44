"""Alembic migrations for the portal schema (SQLite and PostgreSQL)."""
