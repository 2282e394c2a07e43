"""The Complaints screen."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("complaints", __name__)


@blp.get("/complaints")
def index():
    return render_template("complaints/index.html")
