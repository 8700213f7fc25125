"""labelkit's benchmarks, run by ``nox -s bench`` (``python -m benchmarks``).

- :mod:`benchmarks.overhead`: CPU time per request of labelkit (async client
  and sync facade) against raw httpx, on a zero-latency local emulator.
- :mod:`benchmarks.ratelimit`: how much of a server-side sliding-window limit
  labelkit's client-side limiter uses, and how many 429s it provokes.

Side by side with the official SDKs (``fastlabel``, ``scaleapi``,
``cloudsight``, installed only in ``nox -s bench``), on the same emulators:

- :mod:`benchmarks.throughput`: 1,000 FastLabel image / Scale categorization
  creates, official loop vs labelkit bulk vs labelkit sync loop;
- :mod:`benchmarks.fastlabel_ratelimit`: 2,000 FastLabel creates under a
  compressed rate limit;
- :mod:`benchmarks.memory`: peak RSS of one 19 MiB image / 200 MiB video
  create, and import cost, one fresh process each;
- :mod:`benchmarks.waiting`: 1,000 CloudSight jobs, ``wait_many`` vs a loop
  of ``wait()``;
- :mod:`benchmarks.sdk_overhead`: client CPU per read of each official SDK.

Benchmarks report numbers, they never assert a time. Every run rewrites
``benchmarks/README.md`` with the results and the machine they came from.
"""
