"""Load-balancer probes: /healthz (the process lives), /readyz (the database answers)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from provisioning.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return jsonify(status="unavailable", reason=type(exc).__name__), 503
    return jsonify(status="ok")
