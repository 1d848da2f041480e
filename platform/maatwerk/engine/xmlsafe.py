"""Parsing untrusted XML: no entities, no DTDs, no network, bounded size and depth."""
from __future__ import annotations

from lxml import etree

MAX_DEPTH = 200


class UnsafeXml(ValueError):
    """The file is not XML we are willing to read; the message says why."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True)


def parse(content: bytes) -> etree._Element:
    """Parse bytes into an element tree, refusing DOCTYPEs (entity tricks) and deep nesting."""
    head = content[:4096].lstrip()
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise UnsafeXml("the file declares a DOCTYPE or entities, which are not allowed "
                        "(XML entity tricks such as XXE and 'billion laughs')")
    if not head.startswith(b"<"):
        raise UnsafeXml("the file is not XML")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"the XML is malformed: {exc.msg} (line {exc.lineno})") from None
    if root is None:
        raise UnsafeXml("the file is empty")
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("the file declares a DOCTYPE, which is not allowed")
    if _depth_exceeds(root, MAX_DEPTH):
        raise UnsafeXml(f"the XML is nested more than {MAX_DEPTH} levels deep")
    return root


def _depth_exceeds(root: etree._Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in element)
    return False
