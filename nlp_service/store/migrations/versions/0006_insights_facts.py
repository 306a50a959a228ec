"""insights facts: data versions per tenant and per entry

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26 07:00:00

The insights keep a tenant's answers and (answer, theme) pairs in memory and reload only what
changed: every transaction that inserts, moderates, replaces or reassigns answers bumps
`tenants.data_version` and stamps the entries it changed with the new value
(`store/versions.py`). A reader whose copy is at version V reads `entries.data_version > V`
through `ix_entries_tenant_data_version`.

Chain note: written on a branch next to `0005_codebook_edits`; at merge `down_revision` becomes
"0005" (the two touch different tables).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tenants",
        sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "entries",
        sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_entries_tenant_data_version", "entries", ["tenant_id", "data_version"])


def downgrade() -> None:
    op.drop_index("ix_entries_tenant_data_version", table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("data_version")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("data_version")
