"""Running a benchmark's clients side by side."""
from __future__ import annotations

import threading
import time


def timed(threads: list[threading.Thread]) -> float:
    """Start the threads together, wait for them all; the seconds that took."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
