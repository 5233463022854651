"""goal weights: a goal's points, and a ministry's settings for the plans' attainment

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN (no batch rebuild): the goal table keeps its data_version triggers
    op.add_column('goal', sa.Column('weight', sa.Integer(), nullable=True))
    op.create_table(
        'attainment_settings',
        sa.Column('ministry_id', sa.Integer(), nullable=False),
        sa.Column('weights_enabled', sa.Boolean(), nullable=False),
        sa.Column('partial_share', sa.Double(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'],
                                name=op.f('fk_attainment_settings_ministry_id_ministry'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ministry_id', name=op.f('pk_attainment_settings')),
    )


def downgrade():
    op.drop_table('attainment_settings')
    # SQLite drops a column in place since 3.35; the goal table keeps its triggers
    op.drop_column('goal', 'weight')
