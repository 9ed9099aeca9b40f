"""Clinic's benchmark harness: ``python -m bench`` (``make bench``) for the
figures of issue 5, ``python -m bench.lag`` (``make bench-lag``) for projection
lag under load. Nothing here runs in the test suite except at a tiny size."""
