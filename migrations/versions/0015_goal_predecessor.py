"""goal predecessor: a goal may name the goal of an earlier plan it continues

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

FK = 'fk_goal_previous_goal_id_goal'


def upgrade():
    # goal is a watched table (data_version): a plain ADD COLUMN, never a batch rebuild,
    # keeps its rows and its triggers. SQLite takes a foreign key only inside the column's
    # definition, so there the constraint is written with it, named as the models name it,
    # and without ON DELETE (SQLite's reflection cannot read it there): deleting a goal
    # unlinks the goals that continue it first, in the domain.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE goal ADD COLUMN previous_goal_id INTEGER CONSTRAINT {FK} '
                   'REFERENCES goal (id)')
    else:
        op.add_column('goal', sa.Column('previous_goal_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FK, 'goal', 'goal', ['previous_goal_id'], ['id'])
    op.create_index(op.f('ix_goal_previous_goal_id'), 'goal', ['previous_goal_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_goal_previous_goal_id'), table_name='goal')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite (3.35+) drops the column with the foreign key in its definition, in
        # place; a batch rebuild would drop goal's triggers
        op.execute('ALTER TABLE goal DROP COLUMN previous_goal_id')
    else:
        op.drop_constraint(FK, 'goal', type_='foreignkey')
        op.drop_column('goal', 'previous_goal_id')
