"""Feedback use cases, one module per group."""
