"""people: users, personal and expiring tokens, the person in the audit log

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('ministry_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('oidc_issuer', sa.String(length=500), nullable=True),
    sa.Column('oidc_subject', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_app_user_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'], name=op.f('fk_app_user_ministry_id_ministry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email')),
    sa.UniqueConstraint('oidc_issuer', 'oidc_subject', name=op.f('uq_app_user_oidc_issuer_oidc_subject'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_token_user_id_app_user'), 'app_user', ['user_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_email', sa.String(length=320), nullable=True))
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_web_session_user_id_app_user'), 'app_user', ['user_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_web_session_user_id_app_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
        batch_op.drop_column('user_id')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('actor_email')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_user_id_app_user'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
    op.drop_table('app_user')
