"""goal list indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.create_index('ix_goal_order', ['plan_id', 'position', 'id'], unique=False)
        batch_op.create_index(
            'ix_goal_task_type_order', ['task_type', 'plan_id', 'position', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_index('ix_goal_task_type_order')
        batch_op.drop_index('ix_goal_order')
