"""Synchronous facade over the async clients (see :mod:`labelkit._sync._portal`)."""
