"""The Appointments screen."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("appointments", __name__)


@blp.get("/appointments")
def index():
    return render_template("appointments/index.html")
