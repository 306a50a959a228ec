"""insights snapshots: a tenant's insights columns as one compressed blob per tenant

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:00:00

A process's first insights read of a tenant, and the first after a refit that moved most
answers, used to read every answer and theme sentence (0.5-0.8 s at 100,000 answers). The
refit job (and any reader that finds the snapshot far behind) now stores the columns the
insights keep in memory as one compressed blob tagged with the tenant's data version
(`store/snapshots.py`); readers load it and read only the entries stamped after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_snapshots",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The blob is compressed already: no second (pglz) compression attempt on write.
        op.execute("ALTER TABLE insights_snapshots ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("insights_snapshots")
