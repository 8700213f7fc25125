"""labelkit's benchmarks, run by ``nox -s bench`` (``python -m benchmarks``).

- :mod:`benchmarks.overhead`: CPU time per request of labelkit (async client
  and sync facade) against raw httpx, on a zero-latency local emulator.
- :mod:`benchmarks.ratelimit`: how much of a server-side sliding-window limit
  labelkit's client-side limiter uses, and how many 429s it provokes.

Benchmarks report numbers, they never assert a time. Every run rewrites
``benchmarks/README.md`` with the results and the machine they came from.
"""
