"""Pages of a listing, bounded so that no page number can overflow the database's offset."""
from __future__ import annotations

import functools
from collections.abc import Callable

import flask_smorest

from servicekit.problems import Problem

#: The highest page number any listing accepts (a larger one is a 422, not a database overflow).
MAX_PAGE = 1_000_000


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose `paginate` refuses page numbers above MAX_PAGE."""

    def paginate(self, *args, **kwargs) -> Callable:
        """As flask-smorest's, plus the page bound."""
        paginate = super().paginate(*args, **kwargs)

        def decorate(view: Callable) -> Callable:
            @functools.wraps(view)
            def bounded(*view_args, pagination_parameters, **view_kwargs):
                if pagination_parameters.page > MAX_PAGE:
                    raise Problem(422, "Unprocessable Entity", f"page must be at most {MAX_PAGE}.",
                                  errors={"page": [f"Must be less than or equal to {MAX_PAGE}."]})
                return view(*view_args, pagination_parameters=pagination_parameters, **view_kwargs)
            return paginate(bounded)
        return decorate
