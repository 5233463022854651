"""computed status: kept beside the reported one on each report line; a ministry's thresholds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN (no batch rebuild): the table keeps its data and its triggers
    op.add_column('followup_goal', sa.Column('computed_status', sa.String(length=30),
                                             nullable=True))
    op.add_column('followup_goal', sa.Column('expected_value', sa.Double(), nullable=True))
    op.add_column('followup_goal', sa.Column('computed_basis', sa.Text(), nullable=True))
    op.create_table(
        'status_thresholds',
        sa.Column('ministry_id', sa.Integer(), nullable=False),
        sa.Column('on_track', sa.Double(), nullable=False),
        sa.Column('at_risk', sa.Double(), nullable=False),
        sa.Column('maintain_tolerance', sa.Double(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'],
                                name=op.f('fk_status_thresholds_ministry_id_ministry'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ministry_id', name=op.f('pk_status_thresholds')),
    )


def downgrade():
    op.drop_table('status_thresholds')
    with op.batch_alter_table('followup_goal', schema=None) as batch_op:
        batch_op.drop_column('computed_basis')
        batch_op.drop_column('expected_value')
        batch_op.drop_column('computed_status')
