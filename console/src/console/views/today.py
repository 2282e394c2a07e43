"""The Today screen."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("today", __name__)


@blp.get("/")
def index():
    return render_template("today/index.html")
