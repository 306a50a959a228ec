"""key names, topic models in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:30:00

API keys get a name (the audit log records it). Topic model versions move from each server's
disk into the database, so every process of one service assigns a tenant's answers with the same
active version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
    op.create_table(
        "topic_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("embedder_id", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("tensors", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_topic_models_tenant_version"),
    )
    op.create_index("ix_topic_models_tenant_active", "topic_models", ["tenant_id", "is_active"])


def downgrade() -> None:
    op.drop_index("ix_topic_models_tenant_active", table_name="topic_models")
    op.drop_table("topic_models")
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("name")
