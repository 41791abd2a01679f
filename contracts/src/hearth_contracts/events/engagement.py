"""Events published by the engagement service (topic hearth.engagement.events).

Engagement owns residents (people, contact details, communication preferences,
language and format needs, vulnerabilities, diversity profile), contacts, surveys and
complaints. Every event here is keyed by the home's UPRN.

Personal details stay in engagement. Events carry ids, codes and flags: never contact
details, diversity profiles, or free text about a person. Vulnerabilities are category
codes, recorded with consent.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, Field

from hearth_contracts.events.base import Event, EventPart
from hearth_contracts.values import Uprn


class ContactChannel(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class AgeBand(StrEnum):
    """An age band (published instead of a date of birth)."""

    UNDER_25 = "under_25"
    AGED_25_TO_44 = "25_to_44"
    AGED_45_TO_64 = "45_to_64"
    AGED_65_TO_74 = "65_to_74"
    AGED_75_TO_84 = "75_to_84"
    AGED_85_AND_OVER = "85_and_over"


class FormatNeed(StrEnum):
    """A format the resident needs written communication in."""

    LARGE_PRINT = "large_print"
    BRAILLE = "braille"
    AUDIO = "audio"
    EASY_READ = "easy_read"


class ResidentField(StrEnum):
    """A group of a resident's details that changed."""

    NAME = "name"
    CONTACT_DETAILS = "contact_details"
    PREFERRED_CHANNEL = "preferred_channel"
    LANGUAGE = "language"
    FORMAT_NEEDS = "format_needs"
    ACCESSIBILITY_NEEDS = "accessibility_needs"
    AGE_BAND = "age_band"
    HOUSEHOLD = "household"


class VulnerabilityCategory(StrEnum):
    """A vulnerability category code (the detail stays in engagement)."""

    PHYSICAL_DISABILITY = "physical_disability"
    MOBILITY = "mobility"
    SENSORY_IMPAIRMENT = "sensory_impairment"
    LEARNING_DISABILITY = "learning_disability"
    MENTAL_HEALTH = "mental_health"
    LONG_TERM_ILLNESS = "long_term_illness"
    RESPIRATORY_CONDITION = "respiratory_condition"
    """Made worse by damp and mould."""
    DEMENTIA_OR_MEMORY = "dementia_or_memory"
    DEPENDENT_ON_MEDICAL_EQUIPMENT = "dependent_on_medical_equipment"
    OLDER_AGE_OR_FRAILTY = "older_age_or_frailty"
    YOUNG_CHILDREN = "young_children"
    PREGNANCY = "pregnancy"
    DOMESTIC_ABUSE = "domestic_abuse"
    SAFEGUARDING = "safeguarding"
    SUBSTANCE_MISUSE = "substance_misuse"
    FINANCIAL_HARDSHIP = "financial_hardship"
    BEREAVEMENT = "bereavement"
    LANGUAGE_OR_LITERACY = "language_or_literacy"
    DIGITAL_EXCLUSION = "digital_exclusion"
    OTHER = "other"


class Adjustment(StrEnum):
    """A reasonable adjustment staff and operatives make for the resident."""

    INTERPRETER = "interpreter"
    SIGN_LANGUAGE_INTERPRETER = "sign_language_interpreter"
    EXTRA_TIME = "extra_time"
    CALL_BEFORE_VISITING = "call_before_visiting"
    SUPPORT_PERSON_PRESENT = "support_person_present"
    PRIORITY_APPOINTMENTS = "priority_appointments"
    NO_COLD_CALLING = "no_cold_calling"


class ContactReason(StrEnum):
    REPAIR = "repair"
    RENT = "rent"
    COMPLAINT = "complaint"
    ANTI_SOCIAL_BEHAVIOUR = "anti_social_behaviour"
    TENANCY = "tenancy"
    SAFETY = "safety"
    GENERAL_ENQUIRY = "general_enquiry"
    OTHER = "other"


class ContactDirection(StrEnum):
    INBOUND = "inbound"
    """The resident contacted the landlord."""
    OUTBOUND = "outbound"
    """The landlord contacted the resident."""


class ContactMedium(StrEnum):
    """How a contact or complaint came in."""

    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"
    LETTER = "letter"
    ONLINE = "online"
    IN_PERSON = "in_person"
    SOCIAL_MEDIA = "social_media"


class ComplaintStage(StrEnum):
    """The Housing Ombudsman's Complaint Handling Code has two stages."""

    STAGE_1 = "stage_1"
    STAGE_2 = "stage_2"


class ComplaintCategory(StrEnum):
    REPAIRS = "repairs"
    DAMP_AND_MOULD = "damp_and_mould"
    SAFETY = "safety"
    ANTI_SOCIAL_BEHAVIOUR = "anti_social_behaviour"
    RENT_AND_CHARGES = "rent_and_charges"
    ESTATE_AND_COMMUNAL = "estate_and_communal"
    STAFF_CONDUCT = "staff_conduct"
    COMMUNICATION = "communication"
    OTHER = "other"


class ComplaintDeadline(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"


class SurveyKind(StrEnum):
    """Transactional surveys follow a piece of work; the perception survey is annual."""

    REPAIR = "repair"
    GAS_CHECK = "gas_check"
    HOME_VISIT = "home_visit"
    COMPLAINT = "complaint"
    COMMUNAL_REPAIR = "communal_repair"
    PERCEPTION = "perception"
    """The annual survey behind the Tenant Satisfaction Measures TP01 to TP12."""


class SurveyQuestion(StrEnum):
    """A question code: the TSM perception questions and the transactional ones."""

    TP01_OVERALL = "tp01_overall"
    TP02_REPAIRS = "tp02_repairs"
    TP03_TIME_TAKEN = "tp03_time_taken"
    TP04_WELL_MAINTAINED = "tp04_well_maintained"
    TP05_SAFE_HOME = "tp05_safe_home"
    TP06_LISTENED_TO = "tp06_listened_to"
    TP07_KEPT_INFORMED = "tp07_kept_informed"
    TP08_TREATED_FAIRLY = "tp08_treated_fairly"
    TP09_COMPLAINTS = "tp09_complaints"
    TP10_COMMUNAL_AREAS = "tp10_communal_areas"
    TP11_NEIGHBOURHOOD = "tp11_neighbourhood"
    TP12_ANTI_SOCIAL_BEHAVIOUR = "tp12_anti_social_behaviour"
    OPERATIVE = "operative"
    """Feedback on the operative who did the work."""
    APPOINTMENT = "appointment"
    OVERALL_EXPERIENCE = "overall_experience"


class Rating(StrEnum):
    """The five-point answer scale (for agreement questions, satisfied reads as agree)."""

    VERY_SATISFIED = "very_satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    NEITHER = "neither"
    FAIRLY_DISSATISFIED = "fairly_dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"
    NOT_APPLICABLE = "not_applicable"


class SurveyAnswer(EventPart):
    """One answer: a question code and a rating (free-text comments are not published)."""

    question: SurveyQuestion
    rating: Rating


class ResidentRegistered(
    Event, service="engagement", name="resident-registered", key="uprn", subject="resident_id"
):
    """A resident was registered on a tenancy. Contact details stay in engagement.
    Superseded by v2, which carries no name: engagement publishes v2 alone."""

    resident_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    full_name: str = Field(min_length=1, max_length=200)
    preferred_channel: ContactChannel
    language: str = Field(min_length=2, max_length=35, description="BCP 47 language tag")
    registered_at: AwareDatetime
    age_band: AgeBand | None = Field(
        default=None, description="For the visit programme's risk score; null when not known"
    )
    lives_alone: bool | None = Field(
        default=None, description="The only person in the household; null when not known"
    )


class ResidentUpdated(
    Event, service="engagement", name="resident-updated", key="uprn", subject="resident_id"
):
    """A resident's details changed. `changed` says which; the shared details are
    carried as they now stand (contact details themselves are not published).
    Superseded by v2, which carries no name: engagement publishes v2 alone."""

    resident_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    changed: list[ResidentField] = Field(min_length=1)
    full_name: str = Field(min_length=1, max_length=200)
    preferred_channel: ContactChannel
    language: str = Field(min_length=2, max_length=35, description="BCP 47 language tag")
    format_needs: list[FormatNeed] = Field(default_factory=list)
    age_band: AgeBand | None = None
    lives_alone: bool | None = None
    updated_at: AwareDatetime


class ResidentRegisteredV2(
    Event,
    service="engagement",
    name="resident-registered",
    version=2,
    key="uprn",
    subject="resident_id",
):
    """A resident was registered on a tenancy, by the platform's person id. No name or
    contact details: those stay in engagement (its API, behind the gateway)."""

    resident_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    preferred_channel: ContactChannel
    language: str = Field(min_length=2, max_length=35, description="BCP 47 language tag")
    registered_at: AwareDatetime
    age_band: AgeBand | None = Field(
        default=None, description="For the visit programme's risk score; null when not known"
    )
    lives_alone: bool | None = Field(
        default=None, description="The only person in the household; null when not known"
    )


class ResidentUpdatedV2(
    Event,
    service="engagement",
    name="resident-updated",
    version=2,
    key="uprn",
    subject="resident_id",
):
    """A resident's details changed. `changed` says which groups (`name` among them);
    the shared details are carried as they now stand. No name or contact details."""

    resident_id: uuid.UUID
    tenancy_id: uuid.UUID
    uprn: Uprn
    changed: list[ResidentField] = Field(min_length=1)
    preferred_channel: ContactChannel
    language: str = Field(min_length=2, max_length=35, description="BCP 47 language tag")
    format_needs: list[FormatNeed] = Field(default_factory=list)
    age_band: AgeBand | None = None
    lives_alone: bool | None = None
    updated_at: AwareDatetime


class VulnerabilityRecorded(
    Event, service="engagement", name="vulnerability-recorded", key="uprn", subject="resident_id"
):
    """A resident's vulnerabilities were recorded or reviewed, with their consent.

    Carries the resident's whole current set of category codes and adjustments, so a
    consumer replaces its copy: an empty set means none are recorded any more (or
    consent was withdrawn). Never carries free text about the person.
    Superseded by v2, which carries only a flag: engagement publishes v2 alone.
    """

    resident_id: uuid.UUID
    uprn: Uprn
    tenancy_id: uuid.UUID | None = None
    categories: list[VulnerabilityCategory]
    adjustments: list[Adjustment] = Field(default_factory=list)
    review_on: date | None = Field(default=None, description="When the record is next reviewed")
    recorded_at: AwareDatetime


class VulnerabilityRecordedV2(
    Event,
    service="engagement",
    name="vulnerability-recorded",
    version=2,
    key="uprn",
    subject="resident_id",
):
    """A resident's vulnerabilities were recorded or reviewed: only whether one is
    recorded, never which (the categories are special-category data and stay in
    engagement, read with `vulnerabilities:read`, every read audited).

    Carries the resident's current state, so a consumer replaces its copy: `vulnerable`
    false means none are recorded any more (or consent was withdrawn). The adjustments
    are what officers and operatives must do, so they are published.
    """

    resident_id: uuid.UUID
    uprn: Uprn
    tenancy_id: uuid.UUID | None = None
    vulnerable: bool = Field(
        description="A vulnerability is currently recorded with the resident's consent"
    )
    adjustments: list[Adjustment] = Field(
        default_factory=list, description="The reasonable adjustments officers must make"
    )
    review_on: date | None = Field(default=None, description="When the record is next reviewed")
    recorded_at: AwareDatetime


class ContactLogged(
    Event, service="engagement", name="contact-logged", key="uprn", subject="contact_id"
):
    """A contact with a household was logged (how often a household contacts the
    landlord feeds the visit programme). The content stays in engagement."""

    contact_id: uuid.UUID
    uprn: Uprn
    resident_id: uuid.UUID | None = None
    direction: ContactDirection
    medium: ContactMedium
    reason: ContactReason
    contacted_at: AwareDatetime


class ComplaintReceived(
    Event, service="engagement", name="complaint-received", key="uprn", subject="complaint_id"
):
    """A complaint was received at stage 1 of the Complaint Handling Code: acknowledge
    within 5 working days, respond within 10 working days of acknowledging.
    The complaint's words stay in engagement."""

    complaint_id: uuid.UUID
    uprn: Uprn
    resident_id: uuid.UUID | None = None
    category: ComplaintCategory
    medium: ContactMedium
    repair_id: uuid.UUID | None = Field(default=None, description="The repair it is about")
    received_at: AwareDatetime
    acknowledge_by: date


class ComplaintEscalated(
    Event, service="engagement", name="complaint-escalated", key="uprn", subject="complaint_id"
):
    """A complaint was escalated to stage 2 at the resident's request: acknowledge within
    5 working days, respond within 20 working days of acknowledging; a different person
    handles it."""

    complaint_id: uuid.UUID
    uprn: Uprn
    category: ComplaintCategory
    requested_at: AwareDatetime
    acknowledge_by: date


class ComplaintDeadlineBreached(
    Event,
    service="engagement",
    name="complaint-deadline-breached",
    key="uprn",
    subject="complaint_id",
):
    """A complaint was not acknowledged or answered within the Code's timescale (after
    any extension agreed with the resident)."""

    complaint_id: uuid.UUID
    uprn: Uprn
    stage: ComplaintStage
    deadline: ComplaintDeadline
    due_on: date
    extended: bool = Field(default=False, description="The deadline had been extended")
    breached_at: AwareDatetime


class SurveyResponded(
    Event, service="engagement", name="survey-responded", key="uprn", subject="response_id"
):
    """A resident answered a survey: after a repair, a gas check, a visit or a
    complaint, or the annual perception survey. Only question codes and ratings are
    published; comments and the diversity profile stay in engagement."""

    response_id: uuid.UUID
    uprn: Uprn
    resident_id: uuid.UUID | None = None
    survey: SurveyKind
    about_id: uuid.UUID | None = Field(
        default=None, description="The repair, check, visit or complaint surveyed"
    )
    answers: list[SurveyAnswer] = Field(min_length=1)
    responded_at: AwareDatetime


class TenantCopySent(
    Event, service="engagement", name="tenant-copy-sent", key="uprn", subject="copy_id"
):
    """A tenant's copy of a safety record (gas safety record, EICR) went out through the
    resident's channel: once per resident and copy, when the message pipeline sent it.
    Ids only; the letter and the address stay in engagement. Compliance stamps the copy
    as sent and checks it against its deadline."""

    copy_id: uuid.UUID = Field(
        description="The check id for the copy sent after a check (check-completed); for "
        "a later record of the same check (a same-day re-test, announced again with a new "
        "certificate reference) a UUID v5 in the check id's namespace of "
        "`record-copy:<certificate_reference>`; or the `copy_id` of tenant-copy-requested "
        "for a new tenancy's copy"
    )
    message_id: uuid.UUID
    resident_id: uuid.UUID
    uprn: Uprn
    channel: ContactChannel
    sent_at: AwareDatetime


class ResidentMerged(
    Event,
    service="engagement",
    name="resident-merged",
    key="uprn",
    subject="duplicate_person_id",
):
    """Staff merged a second record of one person into the resident kept (docs/adr/0124):
    the duplicate's person id is no longer used, and everything engagement held under it
    is now the kept resident's. A consumer that keeps a person id re-keys what names the
    duplicate to the kept one (where both have a copy, the kept one's stays), once:
    handling it again changes nothing. Ids and the time only, never a name or details.

    Keyed by the home the duplicate was on (the partition of its earlier events, such
    as its vulnerability flag), else the kept resident's.

    A merge of A into B and a later one of B into C can be on different partitions (two
    homes), so a consumer may handle B into C first (one partition lagging, or a dead
    letter replayed). `earlier_duplicate_person_ids` names the ids merged into the
    duplicate before (A: engagement now points them at the kept resident): a consumer
    re-keys what names them to the kept id as well, and re-keys only what still names
    an id the event names, so the late A into B finds nothing of A's left and moves
    nothing to B (docs/adr/0148). Empty in events published before it was added.

    A consumer also remembers the ids each merge it handled retired (docs/adr/0172): a
    merge into an id already retired re-keys to the resident that id was kept as, and a
    later event naming a retired id is kept under the resident kept."""

    person_id: uuid.UUID = Field(description="The resident kept (the surviving person id)")
    duplicate_person_id: uuid.UUID = Field(description="The person id merged into it")
    uprn: Uprn = Field(description="The home the merged records are of (the message key)")
    merged_at: AwareDatetime
    earlier_duplicate_person_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description=(
            "The person ids merged into the duplicate before this merge, now the kept "
            "resident's too: re-key what names them to person_id as well"
        ),
    )

    @property
    def retired_person_ids(self) -> list[uuid.UUID]:
        """Every id this merge retires into `person_id`: the duplicate's first, then those
        merged into it before, each once."""
        return list(dict.fromkeys([self.duplicate_person_id, *self.earlier_duplicate_person_ids]))
