"""A printing process: prints letters (WeasyPrint) for one server process (letters.pdf).

Started as `python -m maatwerk.services.letter_printer MEMORY_MB` by a pool of the engine
(engine/sandbox_pool.py). It loads WeasyPrint, lets the kernel bound it
(engine/sandbox_serve.py: memory, CPU time per letter, no files written; new processes
allowed, as Pango may start threads) and prints what it is sent, until the server ends.
"""
from __future__ import annotations

from typing import Any

from ..engine.sandbox_serve import serve
from .letters import preload, print_here


def answer(mode: str, html: Any, variables: dict[str, Any], limit: float
           ) -> tuple[Any, ...]:
    try:
        return ("ok", print_here(str(html)), None)
    except MemoryError:
        raise
    except Exception as exc:  # what WeasyPrint could not print
        return ("error", f"{type(exc).__name__}: {exc}", None)


def main() -> None:
    preload()
    serve(answer, new_processes=True)


if __name__ == "__main__":
    main()
