"""The form on the status page with which a resident writes to us: a form-js form, so it
has the same fields, checks, error summary and document handling as every process form."""
from __future__ import annotations

import json

from ..forms.formjs import parse_formjs
from ..services.resident_messages import FIELD, MAX_TEXT
from .form_classes import build_form_class

ATTACHMENT = "bijlage"
PREFIX = "bericht"

MESSAGE_FORM = parse_formjs(json.dumps({
    "id": "bericht_aan_gemeente", "type": "default", "schemaVersion": 16, "components": [
        {"type": "textarea", "id": "Field_bericht", "key": FIELD, "label": "Uw bericht",
         "description": "Een vraag of opmerking over uw aanvraag. Uw behandelaar leest het "
                        "en antwoordt u.",
         "validate": {"required": True, "maxLength": MAX_TEXT}},
        {"type": "filepicker", "id": "Field_bijlage", "key": ATTACHMENT,
         "label": "Een document meesturen (mag, hoeft niet)"}]}))
MessageForm = build_form_class(MESSAGE_FORM)
