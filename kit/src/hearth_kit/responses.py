"""A response model sent as JSON straight from pydantic's serializer.

An endpoint that returns a pydantic model makes FastAPI validate it again against its
`response_model` before serialising it. A read path that built its model from database
rows has validated it once already, so `model_response(model)` returns the bytes of
`model.model_dump_json()` (FastAPI sends a returned `Response` as it is). The route
keeps `response_model=...`, so the OpenAPI document is unchanged, and the JSON is the
one FastAPI would have sent (pydantic's serializer, aliases by name).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Response
from pydantic import BaseModel

JSON = "application/json"


def model_response(
    model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`model` as an `application/json` response, serialised once by pydantic."""
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        headers=headers,
        media_type=JSON,
    )
