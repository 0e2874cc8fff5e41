"""The agent workspace: agents and their apps, sessions, login attempts, the handoff queue
(ticket channel, assignment, claim and close times), the handoff event log and assist feedback.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('all_apps', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )
    op.create_table('agent_apps',
    sa.Column('agent_id', sa.String(length=16), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ),
    sa.PrimaryKeyConstraint('agent_id', 'app_id')
    )
    op.create_table('agent_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=16), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id_hash')
    )
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_sessions_agent_id'), ['agent_id'], unique=False)
    op.create_table('agent_login_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('login_key', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agent_login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_agent_login_attempts_key_at', ['login_key', 'attempted_at'], unique=False)

    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), server_default='app_chat',
                                      nullable=False))
        batch_op.add_column(sa.Column('assigned_agent_id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_handoff_tickets_assigned_agent_id_agents', 'agents',
                                    ['assigned_agent_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_handoff_tickets_assigned_agent_id'), ['assigned_agent_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_tickets_conversation_id'), ['conversation_id'],
                              unique=False)
        batch_op.create_index('ix_handoff_tickets_status_created', ['status', 'created_at'], unique=False)
    # tickets filed before the workspace existed: WeChat conversations are named wechat:<app>:<openid>
    op.execute("UPDATE handoff_tickets SET channel = 'wechat' WHERE conversation_id LIKE 'wechat:%'")

    op.create_table('handoff_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=16), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('agent_id', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_events_conversation', ['conversation_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('assist_feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=16), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=16), nullable=False),
    sa.Column('intent', sa.String(length=60), nullable=True),
    sa.Column('suggestion_intent', sa.String(length=60), nullable=True),
    sa.Column('usage', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['handoff_events.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('assist_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_assist_feedback_app_intent', ['app_id', 'intent'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assist_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_assist_feedback_app_intent')
    op.drop_table('assist_feedback')
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_events_ticket_id'))
        batch_op.drop_index('ix_handoff_events_conversation')
    op.drop_table('handoff_events')
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_tickets_status_created')
        batch_op.drop_index(batch_op.f('ix_handoff_tickets_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_handoff_tickets_assigned_agent_id'))
        batch_op.drop_constraint('fk_handoff_tickets_assigned_agent_id_agents', type_='foreignkey')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('assigned_agent_id')
        batch_op.drop_column('channel')
    # the queue's third state does not exist before this revision
    op.execute("UPDATE handoff_tickets SET status = 'open' WHERE status = 'claimed'")
    with op.batch_alter_table('agent_login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_login_attempts_key_at')
    op.drop_table('agent_login_attempts')
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_sessions_agent_id'))
    op.drop_table('agent_sessions')
    op.drop_table('agent_apps')
    op.drop_table('agents')
