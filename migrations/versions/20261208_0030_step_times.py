"""step times: how long a process version's completed tasks took, per step, per week of
completion and per duration bucket (two significant digits of the minutes), with their
count and total minutes: the heatmap's median and 90th percentile read these few rows
instead of every task (issue 16). A trigger on tasks keeps them, on every path that writes
task rows (the step's combined statement on PostgreSQL too); trial cases and added steps
stay out. Filled here from the tasks already done.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 23:50:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

COUNTED = "{t}.state = 'completed' AND {t}.kind <> 'adhoc' AND {t}.completed_at IS NOT NULL"


def _minutes(dialect: str, t: str) -> str:
    if dialect == "postgresql":
        return f"(extract(epoch from ({t}.completed_at - {t}.created_at)) / 60.0)"
    return f"((julianday({t}.completed_at) - julianday({t}.created_at)) * 1440.0)"


def _week(dialect: str, t: str) -> str:
    if dialect == "postgresql":
        return f"(date_trunc('week', {t}.completed_at AT TIME ZONE 'UTC'))::date"
    return f"date({t}.completed_at, 'weekday 0', '-6 days')"


def _bucket(dialect: str, t: str) -> str:
    # rounded first: a float of 389.9999999 minutes is 390 minutes
    whole = (f"CAST(floor(round(CAST({_minutes(dialect, t)} AS numeric), 6)) AS INTEGER)"
             if dialect == "postgresql" else f"CAST(round({_minutes(dialect, t)}, 6) AS INTEGER)")
    steps = " ".join(f"WHEN {whole} < {10 ** (n + 2)} THEN {whole} / {10 ** n} * {10 ** n}"
                     for n in range(0, 6))
    return f"(CASE {steps} ELSE {whole} / 10000000 * 10000000 END)"


def _add(dialect: str, t: str) -> str:
    """Count the task row `t` (NEW) in, when it is a completed task of a real case."""
    return (f"INSERT INTO step_times (process_model_id, element_id, week, bucket, count, "
            f"minutes) SELECT c.process_model_id, {t}.element_id, {_week(dialect, t)}, "
            f"{_bucket(dialect, t)}, 1, {_minutes(dialect, t)} FROM cases c "
            f"WHERE c.id = {t}.case_id AND NOT c.trial AND {COUNTED.format(t=t)} "
            "ON CONFLICT (process_model_id, element_id, week, bucket) DO UPDATE SET "
            "count = step_times.count + 1, minutes = step_times.minutes + excluded.minutes")


def _remove(dialect: str, t: str) -> str:
    """Count the task row `t` (OLD) out again."""
    return (f"UPDATE step_times SET count = count - 1, minutes = minutes - "
            f"{_minutes(dialect, t)} WHERE {COUNTED.format(t=t)} "
            f"AND process_model_id = (SELECT c.process_model_id FROM cases c "
            f"WHERE c.id = {t}.case_id AND NOT c.trial) AND element_id = {t}.element_id "
            f"AND week = {_week(dialect, t)} AND bucket = {_bucket(dialect, t)}")


WATCHED = "state, created_at, completed_at, element_id, kind, case_id"


def upgrade() -> None:
    op.create_table(
        'step_times',
        sa.Column('process_model_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('element_id', sa.String(length=255), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('process_model_id', 'element_id', 'week', 'bucket'),
        sqlite_with_rowid=False)  # the rows in key order: a period's rows read in one run
    dialect = op.get_bind().dialect.name
    op.execute(
        f"INSERT INTO step_times (process_model_id, element_id, week, bucket, count, minutes) "
        f"SELECT c.process_model_id, t.element_id, {_week(dialect, 't')}, "
        f"{_bucket(dialect, 't')}, count(*), sum({_minutes(dialect, 't')}) "
        f"FROM tasks t JOIN cases c ON c.id = t.case_id "
        f"WHERE NOT c.trial AND {COUNTED.format(t='t')} "
        f"GROUP BY c.process_model_id, t.element_id, {_week(dialect, 't')}, "
        f"{_bucket(dialect, 't')}")
    if dialect == "postgresql":
        op.execute(f"""
CREATE FUNCTION step_times_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_remove(dialect, 'OLD')};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_add(dialect, 'NEW')};
  END IF;
  RETURN NULL;
END $$""")
        op.execute(f"CREATE TRIGGER step_times_count AFTER INSERT OR UPDATE OF {WATCHED} "
                   "OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION step_times_count()")
        return
    op.execute(f"CREATE TRIGGER step_times_insert AFTER INSERT ON tasks BEGIN "
               f"{_add(dialect, 'NEW')}; END")
    op.execute(f"CREATE TRIGGER step_times_update AFTER UPDATE OF {WATCHED} ON tasks BEGIN "
               f"{_remove(dialect, 'OLD')}; {_add(dialect, 'NEW')}; END")
    op.execute(f"CREATE TRIGGER step_times_delete AFTER DELETE ON tasks BEGIN "
               f"{_remove(dialect, 'OLD')}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER step_times_count ON tasks")
        op.execute("DROP FUNCTION step_times_count()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER step_times_{name}")
    op.drop_table('step_times')
