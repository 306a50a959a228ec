"""connectors: survey mappings, answer revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:00:00

Survey platforms post their own payloads to a per-mapping webhook URL; the mapping (which
question is the KPI, which are open text, where the touchpoint is) and its signing secret live
in `connector_mappings`. An update of a response replaces the answer's analysis; the replaced
version is kept in `entry_revisions`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connector_mappings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_connector_mappings_name"),
    )
    op.create_index("ix_connector_mappings_tenant_id", "connector_mappings", ["tenant_id"])
    op.create_table(
        "entry_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_entry_revisions_entry", "entry_revisions", ["tenant_id", "entry_id", "revision"]
    )


def downgrade() -> None:
    op.drop_index("ix_entry_revisions_entry", table_name="entry_revisions")
    op.drop_table("entry_revisions")
    op.drop_index("ix_connector_mappings_tenant_id", table_name="connector_mappings")
    op.drop_table("connector_mappings")
