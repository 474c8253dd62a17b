"""Timing for the benchmarks: the best of several runs, which is the least disturbed by the rest of the machine."""

import time
from collections.abc import Callable


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The shortest time, in seconds, of `runs` runs of `work`."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)
