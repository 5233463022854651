"""one follow-up per inbound message, one current follow-up per plan and period, reminders
claimed before they are sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Races could leave more than one of each (ten reprocessings of one mail at once, two reports
for one period at once). Before the unique indexes are built, such rows are put right and
nothing is deleted: of the follow-ups of one message, the one the message names (else the
first) keeps the link and the others lose it; of a plan's current follow-ups for one period,
the latest received stays current and supersedes the others.

A reminder row gets a state: ``sending`` while a run that has claimed it sends it, ``sent``
after (every existing row).

Only indexes and a column are added and dropped, so no table is rebuilt on SQLite and the
data version triggers of migration 0005 stay as they are.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CURRENT = "status = 'accepted' AND superseded_by_id IS NULL"

#: the follow-up that keeps a message's link: the one the message names, else the first
KEEPER = """COALESCE(
    (SELECT m.followup_id FROM inbound_message AS m
      WHERE m.id = followup.inbound_message_id
        AND m.followup_id IN (SELECT k.id FROM followup AS k
                               WHERE k.inbound_message_id = followup.inbound_message_id)),
    (SELECT MIN(k.id) FROM followup AS k
      WHERE k.inbound_message_id = followup.inbound_message_id))"""

#: the latest received of the current follow-ups of a row's plan and period (it stays
#: current while the others are updated, so the answer does not move during the update)
LATEST = f"""(SELECT k.id FROM followup AS k
      WHERE k.plan_id = followup.plan_id AND k.period = followup.period
        AND k.{CURRENT.replace(' AND ', ' AND k.')}
      ORDER BY k.received_at DESC, k.id DESC LIMIT 1)"""


def upgrade():
    op.add_column('reminder', sa.Column('state', sa.String(length=10), server_default='sent',
                                        nullable=False))
    op.execute(
        "UPDATE followup SET inbound_message_id = NULL "
        f"WHERE inbound_message_id IS NOT NULL AND id <> {KEEPER}"
    )
    op.execute(
        f"UPDATE followup SET superseded_by_id = {LATEST} WHERE {CURRENT} AND id <> {LATEST}"
    )
    op.drop_index('ix_followup_inbound_message_id', table_name='followup')
    op.create_index('ix_followup_inbound_message_id', 'followup', ['inbound_message_id'],
                    unique=True)
    op.create_index('uq_followup_current', 'followup', ['plan_id', 'period'], unique=True,
                    sqlite_where=sa.text(CURRENT), postgresql_where=sa.text(CURRENT))


def downgrade():
    op.execute("DELETE FROM reminder WHERE state <> 'sent'")  # claims: sent again after
    with op.batch_alter_table('reminder') as batch_op:  # no triggers on it to lose
        batch_op.drop_column('state')
    op.drop_index('uq_followup_current', table_name='followup')
    op.drop_index('ix_followup_inbound_message_id', table_name='followup')
    op.create_index('ix_followup_inbound_message_id', 'followup', ['inbound_message_id'],
                    unique=False)
