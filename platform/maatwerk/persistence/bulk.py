"""Many rows in one statement of constant shape (PostgreSQL): each column sent as one array
and turned back into rows with unnest(), so the statement is compiled and planned once,
whatever the number of rows (a multi-row VALUES list is a new statement for each count)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, Select, Table, bindparam, func, select


def unnest_select(table: Table, names: Sequence[str], prefix: str) -> Select[Any]:
    """SELECT the rows sent as arrays `<prefix>_<column>` (typed as `table`'s columns)."""
    arrays = [bindparam(f"{prefix}_{name}", type_=ARRAY(table.c[name].type)) for name in names]
    rows = func.unnest(*arrays).table_valued(*names).render_derived(name=prefix)
    return select(*[rows.c[name] for name in names])


def as_arrays(rows: Sequence[dict[str, Any]], names: Sequence[str], prefix: str
              ) -> dict[str, list[Any]]:
    """The parameters for unnest_select: one list per column."""
    return {f"{prefix}_{name}": [row[name] for row in rows] for name in names}
