"""chat reply images (issue 16): an admin's picture is an attachment the platform fetches by
an unguessable token (/public/chat/images/{token})

Revision ID: 20261208_0705
Revises: 20261208_0704
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0705"
down_revision = "20261208_0704"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chat_attachments", sa.Column("public_token", sa.String(64), nullable=True))
    op.create_unique_constraint(
        "uq_chat_attachments_public_token", "chat_attachments", ["public_token"]
    )


def downgrade() -> None:
    op.drop_constraint("uq_chat_attachments_public_token", "chat_attachments")
    op.drop_column("chat_attachments", "public_token")
