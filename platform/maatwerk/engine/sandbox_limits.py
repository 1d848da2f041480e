"""The fixed limits of the sandbox for untrusted code (sandbox.py), in one place.

Every layer of the sandbox reads its bounds from here: the static check (source length,
format widths), the run-time guards (sizes of texts, lists and numbers), the watch on a
running evaluation (time, call depth) and the check of the data a script leaves behind.
"""
from __future__ import annotations

import math

TIME_LIMIT = 1.0                  # seconds of wall time per evaluation or script
MAX_SEQUENCE_LENGTH = 1_000_000   # elements of a list/tuple, characters of a text
MAX_INT_DIGITS = 10_000           # size of intermediate integers
MAX_LITERAL_DIGITS = 30           # a number written in a model (a float holds ~17 digits)
MAX_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))
MAX_FORMAT_WIDTH = 10_000         # widths in f-strings and `%` formatting
MAX_ROUND_DIGITS = 1_000
MAX_RESULT_BYTES = 1_000_000      # variables left by a script, as JSON (estimated)
MAX_DATA_DEPTH = 100              # nesting of lists and dicts
MAX_CALL_DEPTH = 100              # nested calls of functions, lambdas and comprehensions
MAX_SOURCE_LENGTH = 100_000

# the file name compiled sandbox code carries: tells its frames from the server's own
SANDBOX_FILENAME = "<sandbox>"
