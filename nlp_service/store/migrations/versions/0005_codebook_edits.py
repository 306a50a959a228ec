"""codebook edits: edit events and split proposals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:00:00

Every edit of a tenant's codebook (rename, merge, split, move, retire, add, accept) is an event
in `codebook_edits` (who, when, params, before/after, the version it produced, the last refit's
replay outcome); refits replay them in id order. `codebook_proposals` keeps the sub-clusterings
offered for a split until a researcher accepts one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "codebook_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("last_replay", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_codebook_edits_tenant", "codebook_edits", ["tenant_id", "id"])
    op.create_table(
        "codebook_proposals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_codebook_proposals_tenant", "codebook_proposals", ["tenant_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_codebook_proposals_tenant", table_name="codebook_proposals")
    op.drop_table("codebook_proposals")
    op.drop_index("ix_codebook_edits_tenant", table_name="codebook_edits")
    op.drop_table("codebook_edits")
