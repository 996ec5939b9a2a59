"""Shared by every context: model base, database engine, errors, pagination, outbox, audit."""
