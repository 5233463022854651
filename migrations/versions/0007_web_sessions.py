"""web sessions: the dashboard's sign-ins kept on the server

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'web_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ['token_id'], ['api_token.id'],
            name=op.f('fk_web_session_token_id_api_token'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_token_id'), ['token_id'], unique=False)


def downgrade():
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_token_id'))
    op.drop_table('web_session')
