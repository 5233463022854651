"""The API's Blueprint: flask-smorest's, with the project's pagination defaults."""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

from service.api.parsing import ArgumentsParser


class _PaginationParser(FlaskParser):
    """flask-smorest hands its pagination parameters schema over as a class, which webargs
    would instantiate on every request; the schema holds no request state, so one instance
    per class serves every request."""

    def __init__(self) -> None:
        super().__init__()
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    #: JSON bodies refuse what no field can hold (service/api/parsing.py)
    ARGUMENTS_PARSER = ArgumentsParser()
    #: ``?page=`` and ``?page_size=`` (at most 500); totals in the ``X-Pagination`` header
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 500}
    PAGINATION_ARGUMENTS_PARSER = _PaginationParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        """flask-smorest's metadata (documented by its ``PaginationMetadataSchema``), without
        dumping a dict of integers through that schema on every request."""
        metadata = {"total": item_count}
        if item_count == 0:
            metadata["total_pages"] = 0
            return metadata
        last_page = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last_page, first_page=1, last_page=last_page)
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata
