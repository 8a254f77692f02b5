"""Initial schema: communes, EPCI, IFN, service points and hours, rotas, user items, provenance.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    op.create_table(
        "communes",
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("region", sa.String(3), nullable=True),
        sa.Column("epci", sa.String(9), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=True),
        sa.Column("postal_codes", sa.JSON(), nullable=True),
        sa.Column("contour_source", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_communes"),
    )
    _index("communes", "departement", "epci", "region")

    op.create_table(
        "epcis",
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_epcis"),
    )

    op.create_table(
        "ifn_indicators",
        sa.Column("code", sa.String(5), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in (
                "ifn",
                "ifn_no_thd",
                "ifn_no_4g",
                "ifn_poverty",
                "ifn_older_65",
                "ifn_no_diploma",
            )
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["communes.code"], name="fk_ifn_indicators_code_communes", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_ifn_indicators"),
    )

    op.create_table(
        "service_points",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("format", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("insee", sa.String(5), nullable=True),
        sa.Column("departement", sa.String(3), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("capacity", sa.Float(), nullable=True),
        sa.Column("hours_text", sa.String(), nullable=True),
        sa.Column("operator", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_points"),
    )
    _index("service_points", "departement", "insee", "kind", "source")

    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_points.id"],
            name="fk_opening_hours_service_id_service_points",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_opening_hours"),
    )
    _index("opening_hours", "service_id")

    op.create_table(
        "rotas",
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("service_name", sa.String(), nullable=False),
        sa.Column("base_insee", sa.String(5), nullable=True),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("raw_text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service_points.id"],
            name="fk_rotas_service_id_service_points",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", name="pk_rotas"),
    )
    _index("rotas", "departement")

    op.create_table(
        "rota_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw_name", sa.String(), nullable=False),
        sa.Column("insee", sa.String(5), nullable=True),
        sa.Column("matched_name", sa.String(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=True),
        sa.Column("match_reason", sa.String(), nullable=False),
        sa.Column("recurrence_kind", sa.String(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("start_minute", sa.Integer(), nullable=True),
        sa.Column("end_minute", sa.Integer(), nullable=True),
        sa.Column("part_of_day", sa.String(), nullable=True),
        sa.Column("recurrence_text", sa.String(), nullable=False),
        sa.Column("place", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["rotas.service_id"],
            name="fk_rota_stops_service_id_rotas",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rota_stops"),
    )
    _index("rota_stops", "service_id")

    op.create_table(
        "rota_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["rotas.service_id"],
            name="fk_rota_issues_service_id_rotas",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rota_issues"),
    )
    _index("rota_issues", "service_id")

    op.create_table(
        "host_sites",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("insee", sa.String(5), nullable=True),
        sa.Column("departement", sa.String(3), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("pmr", sa.Boolean(), nullable=True),
        sa.Column("internet", sa.Boolean(), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=True),
        sa.Column("hours", sa.String(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_host_sites"),
    )
    _index("host_sites", "departement", "insee")

    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("base_insee", sa.String(5), nullable=True),
        sa.Column("base_lon", sa.Float(), nullable=True),
        sa.Column("base_lat", sa.Float(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=True),
        sa.Column("wheelchair_places", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("cost_per_km", sa.Float(), nullable=True),
        sa.Column("cost_per_hour", sa.Float(), nullable=True),
        sa.Column("purchase_cost", sa.Float(), nullable=True),
        sa.Column("lifetime_years", sa.Float(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vehicles"),
    )

    op.create_table(
        "dataset_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("dataset", sa.String(), nullable=False),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("vintage", sa.String(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dataset_loads"),
    )
    _index("dataset_loads", "area")


def downgrade() -> None:
    for table in (
        "dataset_loads",
        "vehicles",
        "host_sites",
        "rota_issues",
        "rota_stops",
        "rotas",
        "opening_hours",
        "service_points",
        "ifn_indicators",
        "epcis",
        "communes",
    ):
        op.drop_table(table)
