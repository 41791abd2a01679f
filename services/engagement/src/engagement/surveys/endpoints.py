"""HTTP routes for surveys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from engagement.diversity.rules import Strand
from engagement.surveys.schemas import SurveyResponseCreate, SurveyResponsePublic, SurveyResults
from engagement.surveys.service import SurveyService, period_bounds
from hearth_contracts.events.engagement import SurveyKind
from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.figures import PeriodDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1/surveys", tags=["surveys"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> SurveyService:
    service: SurveyService = request.app.state.survey_service
    return service


SurveyServiceDep = Annotated[SurveyService, Depends(_service)]


@router.post("/responses", status_code=status.HTTP_201_CREATED, response_model=SurveyResponsePublic)
async def record_survey_response(
    body: SurveyResponseCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    surveys: SurveyServiceDep,
) -> Response:
    """Record a survey response with reasons and operative feedback (publishes
    survey-responded: codes and ratings only)."""
    return await idempotency.create(
        session,
        lambda: surveys.respond(session, body),
        location=lambda response: f"/v1/surveys/responses/{response.id}",
    )


@router.get("/responses/{response_id}", response_model=SurveyResponsePublic)
async def get_survey_response(response_id: uuid.UUID, session: SessionDep) -> SurveyResponsePublic:
    """One response as recorded, with its reasons and operative feedback (the Location
    `POST /v1/surveys/responses` answers with; scope surveys:read). A 404 for an id never
    recorded."""
    return await SurveyService.get(session, response_id)


@router.get(
    "/results",
    response_model=SurveyResults,
    responses={
        403: {
            "model": Problem,
            "description": "A strand asked for without the scope diversity:read "
            "(problem details naming `strand`)",
        }
    },
)
async def survey_results(
    survey: SurveyKind,
    session: SessionDep,
    period: PeriodDep,
    surveys: SurveyServiceDep,
    caller: CallerDep,
    strand: Strand | None = None,
) -> SurveyResults:
    """Satisfaction per question for a period, and by a diversity strand's groups when
    asked, which needs the scope diversity:read (groups under the minimum size, and any
    that would give them away by subtraction, suppressed together without labels)."""
    start, end = period_bounds(period.first, period.last)
    return await surveys.results(
        session, survey=survey, start=start, end=end, strand=strand, caller=caller
    )
