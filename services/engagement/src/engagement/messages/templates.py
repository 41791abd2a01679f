"""Message templates and their rendering, as pure functions: one template per kind of
message, written in each language the landlord publishes in, rendered for the
resident's language and formats.

A resident whose language has no template gets a clear error, never a letter in a
language they did not ask for: the message is recorded as failed with the reason (the
landlord arranges a translation or an interpreter), and a request naming such a
language is refused naming the field `language`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from string import Formatter

from hearth_contracts.events.engagement import FormatNeed
from hearth_kit.working_days import LONDON

Values = dict[str, str]


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    easy_read: str | None = None
    """Short sentences and plain words, for residents who need easy read."""
    if_given: tuple[tuple[str, str], ...] = ()
    """Sentences that end the body only when their value is given (value name,
    sentence): a check record's "The next check is due by ..." when the home has a next
    check in the landlord's programme, left out when it has none (a leaseholder's own
    gas record)."""


class TemplateName(StrEnum):
    """The kinds of message there are templates for (the keys of TEMPLATES): what a
    request may name, stated as an enum in the OpenAPI document."""

    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    CHECK_DUE = "check_due"
    ACCESS_ESCALATED = "access_escalated"
    CHECK_RECORD_COPY = "check_record_copy"
    ARREARS_STAGE = "arrears_stage"
    SURVEY_INVITATION = "survey_invitation"
    COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged"
    COMPLAINT_EXTENDED = "complaint_extended"


PUBLISHED_LANGUAGES = ("en", "cy", "pl")
"""The languages the landlord publishes in: every template is written in each of them
(a test holds TEMPLATES to it), so a request's language is stated in the OpenAPI
document as one of these, or a regional tag of one (en-GB)."""

PUBLISHED_LANGUAGE_TAG = re.compile(
    "^(?:"
    + "|".join(
        "".join(f"[{letter.lower()}{letter.upper()}]" for letter in language)
        for language in PUBLISHED_LANGUAGES
    )
    + ")(?:-[A-Za-z0-9]{1,8})*$"
)
"""A BCP 47 tag whose primary subtag is a published language, in any case (en, EN,
en-GB, cy, pl-PL): the tags template_language reads as one of PUBLISHED_LANGUAGES."""

TEMPLATES: dict[str, dict[str, Template]] = {
    "appointment_booked": {
        "en": Template(
            "Your repair appointment",
            "Dear {name},\n\nWe have booked a repair appointment at your home on "
            "{window_start} (until {window_end}). Please tell us if this time does not suit "
            "you.\n\nReference: {appointment_id}",
            "Dear {name},\n\nWe are coming to fix things in your home.\nWhen: {window_start}."
            "\nPlease call us if you cannot be in.",
        ),
        "cy": Template(
            "Eich apwyntiad atgyweirio",
            "Annwyl {name},\n\nRydym wedi trefnu apwyntiad atgyweirio yn eich cartref ar "
            "{window_start} (tan {window_end}).\n\nCyfeirnod: {appointment_id}",
        ),
        "pl": Template(
            "Termin naprawy",
            "Szanowni Państwo {name},\n\nUmówiliśmy wizytę naprawczą w Państwa domu: "
            "{window_start} (do {window_end}).\n\nNumer: {appointment_id}",
        ),
    },
    "appointment_cancelled": {
        "en": Template(
            "Your repair appointment is cancelled",
            "Dear {name},\n\nYour repair appointment at your home on {window_start} (until "
            "{window_end}) is cancelled. {why}\n\nReference: {appointment_id}",
            "Dear {name},\n\nWe are not coming on {window_start}.\n{why}",
        ),
        "cy": Template(
            "Mae eich apwyntiad atgyweirio wedi'i ganslo",
            "Annwyl {name},\n\nMae eich apwyntiad atgyweirio yn eich cartref ar "
            "{window_start} (tan {window_end}) wedi'i ganslo. {why}\n\n"
            "Cyfeirnod: {appointment_id}",
        ),
        "pl": Template(
            "Wizyta naprawcza odwołana",
            "Szanowni Państwo {name},\n\nWizyta naprawcza w Państwa domu: {window_start} "
            "(do {window_end}) została odwołana. {why}\n\nNumer: {appointment_id}",
        ),
    },
    "check_due": {
        "en": Template(
            "Your home's {check_type} check is due",
            "Dear {name},\n\nYour home's {check_type} check must be done by "
            "{due_by}. It is the law, and it keeps you safe. We will contact you to book "
            "it.\n\nReference: {check_id}",
            "Dear {name},\n\nWe need to check your home is safe.\nWe must do it by "
            "{due_by}.\nWe will call you to pick a day.",
        ),
        "cy": Template(
            "Mae angen gwiriad diogelwch {check_type} ar eich cartref",
            "Annwyl {name},\n\nRhaid cwblhau gwiriad diogelwch {check_type} eich cartref "
            "erbyn {due_by}.\n\nCyfeirnod: {check_id}",
        ),
        "pl": Template(
            "Kontrola bezpieczeństwa {check_type}",
            "Szanowni Państwo {name},\n\nKontrola bezpieczeństwa {check_type} musi się "
            "odbyć do {due_by}.\n\nNumer: {check_id}",
        ),
    },
    "access_escalated": {
        "en": Template(
            "We need access to your home for a safety check",
            "Dear {name},\n\nWe have not been able to carry out your home's {check_type} "
            "check. Next step: {step}. Please contact us to arrange access.\n\n"
            "Reference: {check_id}",
        ),
        "cy": Template(
            "Mae angen mynediad i'ch cartref ar gyfer gwiriad diogelwch",
            "Annwyl {name},\n\nNid ydym wedi gallu cynnal gwiriad diogelwch {check_type}. "
            "Cam nesaf: {step}.\n\nCyfeirnod: {check_id}",
        ),
        "pl": Template(
            "Potrzebujemy dostępu do Państwa domu",
            "Szanowni Państwo {name},\n\nNie udało się przeprowadzić kontroli "
            "bezpieczeństwa {check_type}. Następny krok: {step}.\n\nNumer: {check_id}",
        ),
    },
    "check_record_copy": {
        "en": Template(
            "Your {check_type} record",
            "Dear {name},\n\nYour home's {check_type} check was carried out on "
            "{completed_on}. Your copy of the record ({certificate_reference}) is enclosed.",
            if_given=(("next_due_by", " The next check is due by {next_due_by}."),),
        ),
        "cy": Template(
            "Eich cofnod diogelwch {check_type}",
            "Annwyl {name},\n\nCynhaliwyd gwiriad diogelwch {check_type} ar {completed_on}. "
            "Amgaeir eich copi o'r cofnod ({certificate_reference}).",
            if_given=(("next_due_by", " Rhaid cynnal y gwiriad nesaf erbyn {next_due_by}."),),
        ),
        "pl": Template(
            "Protokół kontroli bezpieczeństwa {check_type}",
            "Szanowni Państwo {name},\n\nKontrola bezpieczeństwa {check_type} odbyła się "
            "{completed_on}. W załączeniu kopia protokołu ({certificate_reference}).",
            if_given=(("next_due_by", " Następna kontrola musi się odbyć do {next_due_by}."),),
        ),
    },
    "arrears_stage": {
        "en": Template(
            "Your rent account",
            "Dear {name},\n\nYour rent account is {arrears} behind ({stage}). Please "
            "contact us: we can agree an arrangement and help with benefits.",
            "Dear {name},\n\nYou owe {arrears} rent.\nPlease call us.\nWe can help.",
        ),
        "cy": Template(
            "Eich cyfrif rhent",
            "Annwyl {name},\n\nMae eich cyfrif rhent {arrears} ar ei hôl hi ({stage}). "
            "Cysylltwch â ni.",
        ),
        "pl": Template(
            "Państwa konto czynszowe",
            "Szanowni Państwo {name},\n\nZaległość czynszowa wynosi {arrears} ({stage}). "
            "Prosimy o kontakt.",
        ),
    },
    "survey_invitation": {
        "en": Template(
            "How did we do?",
            "Dear {name},\n\nPlease tell us how we did with your {survey}. It takes two "
            "minutes and helps us improve.\n\nSurvey reference: {invitation_id}",
            "Dear {name},\n\nWe came to your home.\nPlease tell us how we did.",
        ),
        "cy": Template(
            "Sut wnaethon ni?",
            "Annwyl {name},\n\nDywedwch wrthym sut wnaethon ni ({survey}).\n\n"
            "Cyfeirnod: {invitation_id}",
        ),
        "pl": Template(
            "Jak nam poszło?",
            "Szanowni Państwo {name},\n\nProsimy o ocenę ({survey}).\n\nNumer: {invitation_id}",
        ),
    },
    "complaint_acknowledged": {
        "en": Template(
            "We have received your complaint",
            "Dear {name},\n\nThank you for your complaint ({stage}). {handler} is looking "
            "into it, and we will answer by {respond_by}.\n\nReference: {complaint_id}",
            "Dear {name},\n\nWe got your complaint.\nWe will answer by {respond_by}.",
        ),
        "cy": Template(
            "Rydym wedi derbyn eich cwyn",
            "Annwyl {name},\n\nDiolch am eich cwyn ({stage}). Byddwn yn ateb erbyn "
            "{respond_by}.\n\nCyfeirnod: {complaint_id}",
        ),
        "pl": Template(
            "Otrzymaliśmy Państwa skargę",
            "Szanowni Państwo {name},\n\nDziękujemy za skargę ({stage}). Odpowiemy do "
            "{respond_by}.\n\nNumer: {complaint_id}",
        ),
    },
    "complaint_extended": {
        "en": Template(
            "We need more time to answer your complaint",
            "Dear {name},\n\nAs we agreed with you, we need more time to answer your "
            "complaint ({stage}). We will now answer by {respond_by}.\n\n"
            "Reference: {complaint_id}",
            "Dear {name},\n\nWe need more time to answer your complaint.\nWe will answer "
            "by {respond_by}.",
        ),
        "cy": Template(
            "Mae angen mwy o amser arnom i ateb eich cwyn",
            "Annwyl {name},\n\nFel y cytunwyd â chi, mae angen mwy o amser arnom i ateb "
            "eich cwyn ({stage}). Byddwn yn ateb erbyn {respond_by}.\n\n"
            "Cyfeirnod: {complaint_id}",
        ),
        "pl": Template(
            "Potrzebujemy więcej czasu na odpowiedź na skargę",
            "Szanowni Państwo {name},\n\nZgodnie z ustaleniami potrzebujemy więcej czasu "
            "na odpowiedź na Państwa skargę ({stage}). Odpowiemy do {respond_by}.\n\n"
            "Numer: {complaint_id}",
        ),
    },
}
"""Every template, by name then language (a primary language subtag: en, cy, pl)."""

FALLBACK_LANGUAGE = "en"
"""The language a statutory message is written in when none of its templates is in the
resident's (ADR 0119): every template is written in English."""

STATUTORY_TEMPLATES = frozenset(
    {
        TemplateName.CHECK_RECORD_COPY,  # the record's copy within 28 days (gas: reg 36;
        # an EICR likewise), before moving in for a new tenant
        TemplateName.ACCESS_ESCALATED,  # the no-access ladder's letters: the landlord's
        # evidence of every reasonable step to get in for the check the law requires
        TemplateName.ARREARS_STAGE,  # the pre-action protocol: the tenant was contacted
        # at each step before a possession claim
        TemplateName.COMPLAINT_ACKNOWLEDGED,  # the Complaint Handling Code: acknowledged
        # within 5 working days, with the deadline for the answer
        TemplateName.COMPLAINT_EXTENDED,  # the Code: an extension's reason and new date
        # told to the resident before the deadline
    }
)
"""Messages the law, the Code or the pre-action protocol requires the landlord to give
the resident: one in a language none of its templates is written in goes in English
(FALLBACK_LANGUAGE) and is flagged for a translation (ADR 0119), never left unsent.
The others (appointments, a check coming due, survey invitations) are the landlord's
own: one in such a language is recorded failed, as before (ADR 0009)."""

FORMAT_NOTES: dict[FormatNeed, str] = {
    FormatNeed.LARGE_PRINT: "Print in large print (at least 16 point).",
    FormatNeed.BRAILLE: "Produce in braille.",
    FormatNeed.AUDIO: "Produce as an audio recording.",
    FormatNeed.EASY_READ: "Easy read version.",
}
"""What the print room does for each format: metadata of a letter (a message's
`print_notes`), never part of any message's body."""


def print_notes(formats: list[FormatNeed]) -> list[str]:
    """The print room's notes for a letter in these formats (large print, braille...)."""
    return [FORMAT_NOTES[f] for f in formats]


class UnknownTemplate(LookupError):
    """No such template, or none in the language asked for. `field` names the request
    field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str


def template_language(template: str, language: str) -> str:
    """The language a template is written in for a BCP 47 tag: the tag itself (en) or
    its primary subtag (en-GB -> en). Raises UnknownTemplate naming `language` when the
    template is not written in it."""
    written = TEMPLATES.get(template)
    if written is None:
        raise UnknownTemplate(f"No template {template!r}", field="template")
    for candidate in (language.lower(), language.split("-")[0].lower()):
        if candidate in written:
            return candidate
    raise UnknownTemplate(
        f"Template {template!r} is not written in language {language!r} "
        f"(it is in {', '.join(sorted(written))})",
        field="language",
    )


SALUTATION_WITHOUT_NAME = {
    "en": "Dear resident,",
    "cy": "Annwyl breswylydd,",
    "pl": "Szanowni Państwo,",
}
"""The greeting when the resident's name is not known yet (a tenant announced by income
by person id, before anyone recorded the name): never "Dear ,"."""


def render(template: str, language: str, formats: list[FormatNeed], values: Values) -> Rendered:
    """The message in the resident's language and formats: the easy read text where one
    is written and needed. The print room's notes for the formats are not part of it
    (print_notes: a letter's metadata; an email or text says nothing of them)."""
    written_in = template_language(template, language)
    chosen = TEMPLATES[template][written_in]
    body = chosen.easy_read if FormatNeed.EASY_READ in formats and chosen.easy_read else chosen.body
    body += "".join(sentence for name, sentence in chosen.if_given if values.get(name, "").strip())
    salutation, _, rest = body.partition("\n")
    if not values.get("name", "").strip() and "{name}" in salutation:
        body = SALUTATION_WITHOUT_NAME[written_in] + "\n" + rest
    fields = {name for _, name, _, _ in Formatter().parse(chosen.subject + body) if name}
    given = {name: values.get(name, "") for name in fields}
    if "check_type" in given:
        given["check_type"] = check_name(given["check_type"])
    filled = {name: in_language(value, written_in) for name, value in given.items()}
    return Rendered(written_in, chosen.subject.format(**filled), body.format(**filled))


WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "cy": (
        "dydd Llun",
        "dydd Mawrth",
        "dydd Mercher",
        "dydd Iau",
        "dydd Gwener",
        "dydd Sadwrn",
        "dydd Sul",
    ),
    "pl": ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"),
}
"""Day names, Monday first (date.weekday()), in each published language."""

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "cy": (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    ),
    "pl": (  # the genitive, as a date is written: 1 grudnia 2026
        "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
        "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
    ),
}  # fmt: skip
"""Month names, January first, in each published language: a small table rather than
the process locale (which is English, or whatever the host has) or a new dependency."""


def date_in(day: date, language: str) -> str:
    """A day as a letter in `language` writes it: 1 December 2026, 1 Rhagfyr 2026,
    1 grudnia 2026."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def moment_in(moment: datetime, language: str) -> str:
    """A moment (London time) as a letter in `language` writes it: Tuesday 1 December
    2026 at 08:00; 1 Rhagfyr 2026 (dydd Mawrth) am 08:00; 1 grudnia 2026 (wtorek), godz.
    08:00. In Welsh and Polish the day name follows the date in brackets, so the words
    before it in a template ("ar", "tan"; "do") need no mutation or case ending."""
    local = moment.astimezone(LONDON)
    day = local.date()
    weekday = WEEKDAYS[language][day.weekday()]
    if language == "cy":
        return f"{date_in(day, language)} ({weekday}) am {local:%H:%M}"
    if language == "pl":
        return f"{date_in(day, language)} ({weekday}), godz. {local:%H:%M}"
    return f"{weekday} {date_in(day, language)} at {local:%H:%M}"


class LondonTime(str):
    """A moment for a letter: the English reading (str), and the moment itself, so
    render writes it in the letter's own language (moment_in)."""

    moment: datetime

    def __new__(cls, moment: datetime) -> LondonTime:
        value = super().__new__(cls, moment_in(moment, "en"))
        value.moment = moment
        return value

    def in_language(self, language: str) -> str:
        return moment_in(self.moment, language)


class LongDate(str):
    """A day for a letter: the English reading (str), and the day itself, so render
    writes it in the letter's own language (date_in)."""

    day: date

    def __new__(cls, day: date) -> LongDate:
        value = super().__new__(cls, date_in(day, "en"))
        value.day = day
        return value

    def in_language(self, language: str) -> str:
        return date_in(self.day, language)


class Wording(str):
    """A word or phrase for a letter written in each published language: the English
    reading (str), and the others, so render writes it in the letter's own language
    (a survey's kind, a complaint's stage: never English words in a Welsh letter)."""

    words: dict[str, str]

    def __new__(cls, words: dict[str, str]) -> Wording:
        value = super().__new__(cls, words["en"])
        value.words = words
        return value

    def in_language(self, language: str) -> str:
        return self.words.get(language, str(self))


STAGE_NAMES: dict[str, Wording] = {
    "stage_1": Wording({"en": "stage 1", "cy": "cam 1", "pl": "etap 1"}),
    "stage_2": Wording({"en": "stage 2", "cy": "cam 2", "pl": "etap 2"}),
}
"""A complaint's stage as a letter names it, by the stage's code."""


CANCELLATION_WHY: dict[str, Wording] = {
    "resident_requested": Wording(
        {
            "en": "We have cancelled it as you asked. Please contact us if you need another "
            "appointment.",
            "cy": "Rydym wedi'i ganslo fel y gofynnoch. Cysylltwch â ni os oes angen "
            "apwyntiad arall arnoch.",
            "pl": "Odwołaliśmy ją na Państwa prośbę. Prosimy o kontakt, jeśli potrzebny jest "
            "inny termin.",
        }
    ),
    "work_not_needed": Wording(
        {
            "en": "The work is no longer needed, so no one will call. Please contact us if "
            "something still needs repairing.",
            "cy": "Nid oes angen y gwaith mwyach, felly ni fydd neb yn galw. Cysylltwch â ni "
            "os oes angen atgyweirio rhywbeth o hyd.",
            "pl": "Prace nie są już potrzebne, więc nikt nie przyjdzie. Prosimy o kontakt, "
            "jeśli coś nadal wymaga naprawy.",
        }
    ),
}
"""Why an appointment was cancelled as its letter says it, by repairs' cancellation
reason: a confirmation when the household asked, an explanation when the landlord
found the work not needed."""


CHECK_TYPE_WORDS: dict[str, Wording] = {
    "gas_safety": Wording({"en": "gas safety", "cy": "nwy", "pl": "instalacji gazowej"}),
    "electrical": Wording(
        {"en": "electrical safety", "cy": "trydanol", "pl": "instalacji elektrycznej"}
    ),
    "smoke_co_alarms": Wording(
        {
            "en": "smoke and carbon monoxide alarm",
            "cy": "larymau mwg a charbon monocsid",
            "pl": "czujników dymu i czadu",
        }
    ),
    "fire_risk_assessment": Wording(
        {"en": "fire risk assessment", "cy": "tân", "pl": "pożarowego"}
    ),
    "asbestos": Wording({"en": "asbestos", "cy": "asbestos", "pl": "w zakresie azbestu"}),
    "water": Wording({"en": "water safety", "cy": "dŵr", "pl": "instalacji wodnej"}),
    "lift": Wording({"en": "lift safety", "cy": "lifft", "pl": "windy"}),
}
"""What a check is called in a letter, by the check type's code (compliance's
CheckType), in words that fit each language's templates: English "your home's
{check_type} check" and "your {check_type} record" (gas safety: never "gas safety
safety", while an electrical check is still an "electrical safety check"); Welsh after
"gwiriad diogelwch" and "cofnod diogelwch" (a safety check or record of: gwiriad
diogelwch nwy); Polish after "kontrola bezpieczeństwa", in the genitive (kontrola
bezpieczeństwa instalacji gazowej; a fire risk assessment is a kontrola bezpieczeństwa
pożarowego)."""

NO_ACCESS_STEP_WORDS: dict[str, Wording] = {
    "appointment_letter": Wording(
        {"en": "appointment letter", "cy": "llythyr apwyntiad", "pl": "pismo z terminem wizyty"}
    ),
    "second_appointment": Wording(
        {"en": "second appointment", "cy": "ail apwyntiad", "pl": "drugi termin wizyty"}
    ),
    "final_warning": Wording(
        {"en": "final warning", "cy": "rhybudd terfynol", "pl": "ostateczne ostrzeżenie"}
    ),
    "housing_officer_visit": Wording(
        {
            "en": "a visit from your housing officer",
            "cy": "ymweliad gan eich swyddog tai",
            "pl": "wizyta pracownika ds. mieszkaniowych",
        }
    ),
    "legal_action": Wording(
        {"en": "legal action", "cy": "camau cyfreithiol", "pl": "kroki prawne"}
    ),
}
"""A step of the no-access procedure (compliance's NoAccessStep) as its letter names it
("Next step: ...", "Cam nesaf: ...", "Następny krok: ...")."""

ARREARS_STAGE_WORDS: dict[str, Wording] = {
    "text_reminder": Wording(
        {"en": "text reminder", "cy": "nodyn atgoffa drwy neges destun", "pl": "przypomnienie SMS"}
    ),
    "letter_1": Wording(
        {"en": "first letter", "cy": "llythyr cyntaf", "pl": "pierwsze wezwanie do zapłaty"}
    ),
    "letter_2": Wording(
        {"en": "second letter", "cy": "ail lythyr", "pl": "drugie wezwanie do zapłaty"}
    ),
    "notice_of_seeking_possession": Wording(
        {
            "en": "notice of seeking possession",
            "cy": "hysbysiad ceisio meddiant",
            "pl": "zawiadomienie o zamiarze odzyskania lokalu",
        }
    ),
    "court_warning": Wording(
        {
            "en": "court warning",
            "cy": "rhybudd llys",
            "pl": "ostrzeżenie przed skierowaniem sprawy do sądu",
        }
    ),
    "court_application": Wording(
        {"en": "court application", "cy": "cais i'r llys", "pl": "wniosek do sądu"}
    ),
}
"""A step of arrears recovery (income's ArrearsStage) as the arrears letter names it, in
brackets after the amount owed; `none` (leaving recovery) sends no letter."""

CODE_WORDS: dict[str, Wording] = {
    **CHECK_TYPE_WORDS,
    **NO_ACCESS_STEP_WORDS,
    **ARREARS_STAGE_WORDS,
}
"""Every code an event carries into a letter (check types, no-access steps, arrears
stages), as words in each published language."""

CHECK_NAMES: dict[str, Wording] = {
    name: wording
    for code, wording in CHECK_TYPE_WORDS.items()
    for name in (code, code.replace("_", " "), str(wording))
}
"""A check as a letter names it, by its code, its code's words or its English name
(gas_safety, gas safety; electrical, electrical safety): what a staff member's own
values may say, so their letter names the check as the event's would."""


def code_words(code: str) -> str:
    """A code as words for a letter, in the letter's language (gas_safety: gas safety,
    nwy, instalacji gazowej). A code with no wording yet reads as its English words in
    every language, so a new code never breaks a letter."""
    return CODE_WORDS.get(code, Wording({"en": code.replace("_", " ")}))


def check_name(value: str) -> str:
    """The check a template's `check_type` names, as the letter's language calls it; a
    value not listed (a staff member's own words) is used as given."""
    if isinstance(value, Wording):
        return value
    return CHECK_NAMES.get(value, value)


def cancellation_why(reason: str) -> Wording:
    """An appointment's cancellation reason (resident_requested) in the letter's
    language; a reason not listed yet says only that it is cancelled."""
    return CANCELLATION_WHY.get(reason, Wording({"en": ""}))


def stage_name(stage: str) -> str:
    """A complaint's stage (stage_1) in the letter's language: stage 1, cam 1, etap 1."""
    return STAGE_NAMES.get(stage, Wording({"en": stage.replace("_", " ")}))


def london_time(moment: datetime) -> str:
    """A moment as a resident reads it, in the letter's language: Tuesday 1 December
    2026 at 08:00 (London) in English (see moment_in for Welsh and Polish)."""
    return LondonTime(moment)


def long_date(day: date) -> str:
    """A day as a resident reads it, in the letter's language: 1 December 2026 in
    English (see date_in for Welsh and Polish)."""
    return LongDate(day)


def in_language(value: str, language: str) -> str:
    """A value for a template in the letter's language: a date or moment from
    long_date or london_time, or a Wording, in that language's words, any other value
    as given."""
    if isinstance(value, LondonTime | LongDate | Wording):
        return value.in_language(language)
    return value


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"
