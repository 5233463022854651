"""change requests to approved plans' goals, and each indicator's target history

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN (no batch rebuild): the indicator table keeps its data and triggers
    op.add_column('indicator', sa.Column('target_history', sa.JSON(), nullable=True))
    op.create_table(
        'change_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=True),
        sa.Column('goal_code', sa.String(length=20), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('direct', sa.Boolean(), nullable=False),
        sa.Column('requested_by', sa.String(length=320), nullable=False),
        sa.Column('requested_by_email', sa.String(length=320), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=320), nullable=True),
        sa.Column('decided_by_email', sa.String(length=320), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['goal_id'], ['goal.id'],
                                name=op.f('fk_change_request_goal_id_goal'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'],
                                name=op.f('fk_change_request_plan_id_plan'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request')),
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_status'))
        batch_op.drop_index(batch_op.f('ix_change_request_plan_id'))
        batch_op.drop_index(batch_op.f('ix_change_request_goal_id'))
    op.drop_table('change_request')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('target_history')
