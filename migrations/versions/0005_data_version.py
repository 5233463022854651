"""data version: a token that changes with every write to the plan data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

#: as service.domain.data_version.WATCHED when this revision was written
TABLES = ('ministry', 'institution', 'reporting_address', 'plan', 'goal')
OPERATIONS = ('insert', 'update', 'delete')

POSTGRES_FUNCTION = """
CREATE FUNCTION data_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version (id, token)
    VALUES (1, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""


def upgrade():
    op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    if op.get_context().dialect.name == 'postgresql':
        op.execute(
            "INSERT INTO data_version (id, token) "
            "VALUES (1, floor(random() * 9007199254740991)::bigint)"
        )
        op.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            # at commit: the version row is locked only while the transaction commits
            op.execute(
                f'CREATE CONSTRAINT TRIGGER data_version_{table} '
                f'AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                'EXECUTE FUNCTION data_version_change()'
            )
            op.execute(
                f'CREATE TRIGGER data_version_{table}_truncate AFTER TRUNCATE ON "{table}" '
                'FOR EACH STATEMENT EXECUTE FUNCTION data_version_change()'
            )
    else:
        op.execute("INSERT INTO data_version (id, token) VALUES (1, random())")
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(
                    f'CREATE TRIGGER data_version_{table}_{operation} '
                    f'AFTER {operation.upper()} ON "{table}" BEGIN '
                    'INSERT OR REPLACE INTO data_version (id, token) VALUES (1, random()); '
                    'END'
                )


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP TRIGGER data_version_{table}_truncate ON "{table}"')
            op.execute(f'DROP TRIGGER data_version_{table} ON "{table}"')
        op.execute('DROP FUNCTION data_version_change()')
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f'DROP TRIGGER data_version_{table}_{operation}')
    op.drop_table('data_version')
