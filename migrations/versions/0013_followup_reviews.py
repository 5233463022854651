"""followup reviews: the department's answer to a follow-up

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # a new table only: no watched table is rebuilt, so every data_version trigger stays
    # (follow-ups are not in the cached plan data, nor are their reviews)
    op.create_table(
        'followup_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('followup_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('goals', sa.JSON(), nullable=False),
        sa.Column('reviewed_by', sa.String(length=320), nullable=False),
        sa.Column('reviewed_by_email', sa.String(length=320), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['followup_id'], ['followup.id'],
                                name=op.f('fk_followup_review_followup_id_followup'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_review')),
    )
    with op.batch_alter_table('followup_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_review_followup_id'), ['followup_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('followup_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_review_followup_id'))
    op.drop_table('followup_review')
