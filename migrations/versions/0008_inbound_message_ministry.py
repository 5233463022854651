"""inbound message ministry: the ministry a mail belongs to, stored by the pipeline

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Backfill, by the rule the pipeline now follows (docs/operations.md, "Who sees which mail"):
a message that names a plan belongs to that plan's ministry, whoever sent it; one that names
none belongs to its registered sender's institution and ministry; the rest (unknown sender,
ignored, not yet processed) to administrators alone. A mail whose sender may not report for
the plan it names (``sender_not_authorized``) is no longer attributed to the sender's
institution: no institution sees it, only the plan's department.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

DECIDED = "('accepted', 'rejected', 'quarantined')"


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ministry_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inbound_message_ministry_id'), ['ministry_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inbound_message_ministry_id_ministry'),
                                    'ministry', ['ministry_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE inbound_message SET institution_id = NULL "
        "WHERE reason = 'sender_not_authorized'"
    )
    op.execute(
        "UPDATE inbound_message SET ministry_id = ("
        " SELECT institution.ministry_id FROM plan"
        " JOIN institution ON institution.id = plan.institution_id"
        " WHERE plan.id = inbound_message.plan_id) "
        f"WHERE plan_id IS NOT NULL AND state IN {DECIDED}"
    )
    op.execute(
        "UPDATE inbound_message SET ministry_id = ("
        " SELECT institution.ministry_id FROM institution"
        " WHERE institution.id = inbound_message.institution_id) "
        f"WHERE plan_id IS NULL AND institution_id IS NOT NULL AND state IN {DECIDED}"
    )


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inbound_message_ministry_id_ministry'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inbound_message_ministry_id'))
        batch_op.drop_column('ministry_id')
