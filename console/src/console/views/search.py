"""The Search screen."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("search", __name__)


@blp.get("/search")
def results():
    return render_template("search/index.html")
