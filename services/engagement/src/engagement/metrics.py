"""Engagement's domain metrics (Prometheus), updated by its scheduled jobs and the
message pipeline; the alert rules are written against these names."""

from __future__ import annotations

from prometheus_client import Counter

COMPLAINT_DEADLINES_BREACHED = Counter(
    "hearth_engagement_complaint_deadlines_breached",
    "Complaint Handling Code deadlines breached (raised once each)",
    ["stage", "deadline"],
)
MESSAGES_FAILED = Counter(
    "hearth_engagement_messages_failed",
    "Messages to residents given up on after every retry, or that could not be rendered",
    ["channel"],
)
MESSAGES_UNTRANSLATED = Counter(
    "hearth_engagement_messages_untranslated",
    "Statutory messages written in English because none of their templates is in the "
    "resident's language (ADR 0119): each to follow up with a translation",
    ["template"],
)
MESSAGES_SENT = Counter(
    "hearth_engagement_messages_sent", "Messages to residents sent", ["channel"]
)
MESSAGES_SENT_AS_LETTERS = Counter(
    "hearth_engagement_messages_sent_as_letters",
    "Emails and texts sent as letters instead: the channel is not configured, refused "
    "them for good, or failed their last attempt",
    ["channel"],
)
