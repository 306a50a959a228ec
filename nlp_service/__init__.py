"""Open-feedback text analytics service."""

import os

__version__ = "0.1.0"

# OpenMP threads (torch, MKL) that finish their share of a parallel region sleep instead of
# spinning, unless the environment says otherwise. Read once when torch loads, so it is set here,
# before any model import. Spinning wins a few microseconds per region on an idle machine; on a
# busy one (other processes, the request threads beside the model thread) a spinning thread
# burns the core its partner needs and every region waits for a descheduled thread:
# benchmarks/omp_wait_policy.py measured e5 at 1.1 texts/s (spinning) against 25.7 (passive),
# single-answer p50 6.2 s against 40 ms, at load 13-17 on 2 cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
