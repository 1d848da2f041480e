"""the resident's e-mail address and date of birth on the case row, indexed: the counter
finds a case by them

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 19:00:00.000000

Filled here from each case's data, by the fields its process names (the process properties
`maatwerk:residentEmailField`, default `email`, and `maatwerk:residentBirthDateField`,
default `geboortedatum`); afterwards every step that changes those fields writes them.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_BATCH = 1000
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resident_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('resident_birth_date', sa.Date(), nullable=True))
        batch_op.create_index('ix_cases_resident_email', ['resident_email'], unique=False)
        batch_op.create_index('ix_cases_resident_birth_date', ['resident_birth_date'],
                              unique=False)
    _fill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_resident_birth_date')
        batch_op.drop_index('ix_cases_resident_email')
        batch_op.drop_column('resident_birth_date')
        batch_op.drop_column('resident_email')


def _fill(conn: sa.Connection) -> None:
    fields = {model_id: _fields(properties) for model_id, properties in conn.execute(
        sa.text('SELECT id, properties FROM process_models'))}
    last = 0
    while True:
        rows = conn.execute(sa.text(
            'SELECT id, process_model_id, data FROM cases WHERE id > :last ORDER BY id '
            'LIMIT :batch'), {'last': last, 'batch': _BATCH}).all()
        if not rows:
            return
        updates = []
        for case_id, model_id, data in rows:
            email_field, birth_field = fields.get(model_id, ('email', 'geboortedatum'))
            values = _json(data)
            updates.append({'id': case_id, 'email': _email(values.get(email_field)),
                            'birth': _date(values.get(birth_field))})
        conn.execute(sa.text('UPDATE cases SET resident_email = :email, '
                             'resident_birth_date = :birth WHERE id = :id')
                     .bindparams(sa.bindparam('birth', type_=sa.Date())), updates)
        last = rows[-1][0]


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _fields(properties: Any) -> tuple[str, str]:
    values = _json(properties) if properties is not None else {}
    return (str(values.get('maatwerk:residentEmailField') or 'email'),
            str(values.get('maatwerk:residentBirthDateField') or 'geboortedatum'))


def _email(value: Any) -> str | None:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        return None
    return value.strip().lower()[:320]


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
