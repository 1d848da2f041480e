"""Parsed process specs, kept per model version (a parse costs far more than a case step)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from .model_compiler import load_spec
from .runtime import SpecBundle

_MAX = 64
_lock = threading.Lock()
_cache: OrderedDict[tuple[int, str], SpecBundle] = OrderedDict()


def bundle_for(model_id: int, content_hash: str, key: str,
               files: Callable[[], list[tuple[str, str, str]]]) -> SpecBundle:
    """The spec of a model version; `files` is called only when it is not cached yet."""
    cache_key = (model_id, content_hash)
    with _lock:
        if cache_key in _cache:
            _cache.move_to_end(cache_key)
            return _cache[cache_key]
    spec, subprocess_specs = load_spec(files(), key)
    bundle = SpecBundle(spec, subprocess_specs)
    with _lock:
        _cache[cache_key] = bundle
        while len(_cache) > _MAX:
            _cache.popitem(last=False)
    return bundle
