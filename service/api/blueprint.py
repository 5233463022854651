"""The API's Blueprint: flask-smorest's, with the project's pagination defaults, its JSON
body checks, and every operation's error answers in the OpenAPI document.

Every operation documents the problem+json answers it gives: those every operation gives
(422 for unknown query parameters, 414 and 431 for an over-long request line or header, 401
without a token unless the blueprint is public, 400 and 413 when it reads a JSON body) are
added when the document is built; the others (403, 404, 406, 409) are named at the view with
``@blp.problems(...)``. Each refers to flask-smorest's response of that status's name, which
:class:`~service.api.problems.ProblemApi` registers with the problem schema."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

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


F = TypeVar("F", bound=Callable[..., Any])

#: answered for any operation: unknown query parameters, an over-long request line or header
EVERY_OPERATION = (414, 422, 431)
WITH_TOKEN = (401,)
WITH_BODY = (400, 413)


class Blueprint(flask_smorest.Blueprint):
    #: JSON bodies refuse what no field can hold (service/api/parsing.py)
    ARGUMENTS_PARSER = ArgumentsParser()

    def __init__(self, *args: Any, public: bool = False, **kwargs: Any) -> None:
        """``public``: its operations answer without a token (no 401)."""
        super().__init__(*args, **kwargs)
        self.public = public
        self._prepare_doc_cbks.append(self._prepare_problems_doc)

    def problems(self, *statuses: int) -> Callable[[F], F]:
        """Document the problem+json answers ``statuses`` that this operation gives beyond
        those every operation gives (see the module's docstring)."""

        def decorator(func: F) -> F:
            for status in sorted(statuses, reverse=True):
                func = self.alt_response(status, response=HTTPStatus(status).name)(func)
            return func

        return decorator

    def _prepare_problems_doc(self, doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any
                              ) -> dict[str, Any]:
        """Add the error answers every operation gives (after flask-smorest's own)."""
        statuses = [*EVERY_OPERATION]
        if not self.public:
            statuses.extend(WITH_TOKEN)
        if "requestBody" in doc:
            statuses.extend(WITH_BODY)
        responses = doc.setdefault("responses", {})
        documented = {str(code) for code in responses}
        for status in sorted(statuses):
            if str(status) not in documented:
                responses[status] = HTTPStatus(status).name
        return doc
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
