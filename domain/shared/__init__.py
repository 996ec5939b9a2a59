"""Pieces every context shares: the model base, the database engine, errors, pagination, the outbox."""
