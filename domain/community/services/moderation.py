"""Moderation use cases (built by the moderation work)."""
