"""The API's own extension objects, created unbound and wired to the app by
:func:`service.api.init_app`: its error handling (problem+json) and its response cache."""

from __future__ import annotations

from service.api.cache import ResponseCache
from service.api.problems import ProblemApi

api = ProblemApi()
response_cache = ResponseCache()
