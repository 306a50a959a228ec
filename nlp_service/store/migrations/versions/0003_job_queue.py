"""job queue: attempts, worker and heartbeat on jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:55:00

Jobs are claimed by a worker (in the API process on a single-process deployment, or
`nlp-service worker` processes) with a lease kept alive by heartbeats; a job whose worker died
is claimed again after its lease ran out, up to a maximum number of attempts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("worker", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_status_created", table_name="jobs")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
        batch_op.drop_column("attempts")
