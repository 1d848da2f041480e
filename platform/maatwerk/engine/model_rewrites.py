"""What runs a model's Camunda 7 constructs, written into its XML before the checks and the
engine read it (and again, identically, whenever a stored model is loaded):

0. service tasks linked to a GZAC plugin action become external tasks (plugin_links.py);
1. throwing message events become service tasks, or pass (message_throws.py);
2. connectors become external tasks of their connector id (connectors.py);
3. the fields of service tasks become their variables (field_injection.py);
4. service tasks whose expression calls nothing become plain tasks (plain_expressions.py);
5. listeners become steps of their own (listeners.py);
6. a multi-instance collection `${items}` names the variable `items` (multi_instance.py);
7. the ids the engine keeps for itself (`Start`, ...) get internal ones (reserved_ids.py).
"""
from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from . import (
    connectors,
    field_injection,
    listeners,
    message_throws,
    multi_instance,
    plain_expressions,
    plugin_links,
    reserved_ids,
)
from .model_upload import Report


def rewrite(root: etree._Element, problem: Report, note: Report,
            plugins: Mapping[str, plugin_links.PluginLink] | None = None) -> set[str]:
    """Rewrite the file's XML in place; the ids of its elements that plugin links name."""
    linked = plugin_links.expand(root, plugins or {}, problem, note)
    message_throws.expand(root, note)
    connectors.expand(root, problem)
    field_injection.expand(root, problem, note)
    plain_expressions.expand(root, note)
    listeners.expand(root, problem)
    multi_instance.expand(root, problem)
    reserved_ids.expand(root)
    return linked
