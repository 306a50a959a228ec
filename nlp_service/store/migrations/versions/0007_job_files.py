"""job files: the uploaded file of a queued import, stored until its job finishes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00

Imports are jobs of the database queue like refits: `POST /v1/imports` stores the upload in
`job_files` together with the queued job, and whichever worker claims the job (the API
process's own, or an `nlp-service worker` process) reads it from there, also when it runs the
job again after a crash. The row is deleted in the transaction that marks its job succeeded or
failed (store/jobs.py).

Chain note: written on the `imports-queue` branch next to other branches' migrations; if another
0007 lands first, this one becomes the next number (it only adds a table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_files",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )


def downgrade() -> None:
    op.drop_table("job_files")
