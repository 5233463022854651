"""discarded messages: a quarantined mail a person set aside, with why, by whom and when

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A quarantined mail that the department or an administrator discards (``POST
/api/v1/intake/messages/{id}/discard``, or the dashboard's message page) gets the final
state ``discarded``; these columns hold the reason given, who gave it and when. Nothing to
backfill: no message was discarded before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('inbound_message', sa.Column('discard_reason', sa.Text(), nullable=True))
    op.add_column('inbound_message',
                  sa.Column('discarded_by', sa.String(length=200), nullable=True))
    op.add_column('inbound_message',
                  sa.Column('discarded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('discarded_at')
        batch_op.drop_column('discarded_by')
        batch_op.drop_column('discard_reason')
