"""Server-side conversation identities, per-phone code limits, demo flag, operator work,
per-type deadlines; stored category names moved to the contract's (bot.contract) spelling.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# backend category names before the shared contract, and the contract's
_RENAMED = {"addresses": "address", "reviews": "review", "orders": "order", "invoices": "invoice"}


def upgrade() -> None:
    op.create_table('conversation_identities',
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('challenge_id', sa.String(length=32), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('app_id', 'conversation_id')
    )
    with op.batch_alter_table('conversation_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_identities_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadlines_by_type', sa.JSON(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_operator', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('verification_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_verification_challenges_phone_key'), ['phone_key'], unique=False)

    _rename_categories(_RENAMED)


def downgrade() -> None:
    _rename_categories({new: old for old, new in _RENAMED.items()})
    with op.batch_alter_table('verification_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_challenges_phone_key'))
        batch_op.drop_column('phone_key')
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_column('needs_operator')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_demo')
    with op.batch_alter_table('apps', schema=None) as batch_op:
        batch_op.drop_column('deadlines_by_type')
    with op.batch_alter_table('conversation_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_identities_user_id'))
    op.drop_table('conversation_identities')


def _rename_categories(mapping: dict) -> None:
    """Rewrite requests' category lists, and the scope part of their open keys (who|type|scope)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, categories, open_key FROM privacy_requests")).fetchall()
    for request_id, categories, open_key in rows:
        values = json.loads(categories) if isinstance(categories, str) else (categories or [])
        renamed = sorted(mapping.get(value, value) for value in values)
        if renamed == sorted(values):
            continue
        if open_key:
            who, type_, _scope = open_key.rsplit("|", 2)
            open_key = f"{who}|{type_}|{','.join(renamed) or '*'}"
        connection.execute(sa.text(
            "UPDATE privacy_requests SET categories = :categories, open_key = :open_key WHERE id = :id"),
            {"categories": json.dumps(renamed), "open_key": open_key, "id": request_id})
