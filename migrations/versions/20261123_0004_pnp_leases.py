"""pnp leases: which instance answers multicast PnP on a network

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pnp_leases',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_pnp_leases'))
    )


def downgrade():
    op.drop_table('pnp_leases')
