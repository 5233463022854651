"""The API's Blueprint: flask-smorest's, with the project's pagination defaults."""

from __future__ import annotations

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    #: ``?page=`` and ``?page_size=`` (at most 500); totals in the ``X-Pagination`` header
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 500}
