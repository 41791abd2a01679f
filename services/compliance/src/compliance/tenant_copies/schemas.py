"""Response models for tenants' copies of safety records."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from compliance.tenant_copies.rules import CopyStanding
from hearth_contracts.events.compliance import CheckType


class TenantCopyPublic(BaseModel):
    """A tenant's copy of a safety record: by when it is due, and when it went out."""

    id: uuid.UUID
    check_id: uuid.UUID
    record_id: uuid.UUID
    check_type: CheckType
    tenancy_id: uuid.UUID | None = Field(
        description="The new tenancy it is for (before moving in); null for the household "
        "at the time of the check (within 28 days)"
    )
    copy_by: date = Field(description="The deadline")
    tenant_copy_sent_at: datetime | None = Field(
        description="When engagement sent the first copy (tenant-copy-sent); null until then"
    )
    sent_on_time: bool | None = Field(description="Sent on or before `copy_by`; null until sent")
    standing: CopyStanding = Field(
        description="owed, overdue (not sent and past `copy_by`), sent_on_time or sent_late"
    )
