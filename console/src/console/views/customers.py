"""The Customers screen."""
from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("customers", __name__)


@blp.get("/customers")
def index():
    return render_template("customers/index.html")
