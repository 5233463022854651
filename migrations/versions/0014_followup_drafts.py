"""followup drafts: an institution's unsent report typed into the dashboard

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # a new table only: no watched table is rebuilt, so every data_version trigger stays
    op.create_table(
        'followup_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=20), nullable=False),
        sa.Column('goals', sa.JSON(), nullable=False),
        sa.Column('saved_by', sa.String(length=320), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'],
                                name=op.f('fk_followup_draft_plan_id_plan'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_draft')),
        sa.UniqueConstraint('plan_id', 'period', name=op.f('uq_followup_draft_plan_id_period')),
    )


def downgrade():
    op.drop_table('followup_draft')
