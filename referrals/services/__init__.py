"""Referral services: every write that has rules (see each module).

``workflow`` holds the steps (draft, send, review, hold, accept, refuse, transfer, cancel,
reopen, withdraw); ``exchanges`` the messages, files and e-mail preferences; ``scheduled`` the
delays, expiry, reminders and digests. Callers import this package: ``services.send_referral``.
"""

from .common import (
    ALLOWED_FROM,
    PERSON_FIELDS,
    REFERRAL_FIELDS,
    can,
    is_platform_caseworker,
    is_sender,
)
from .exchanges import (
    PREFERENCE_FIELDS,
    add_attachment,
    delete_attachment,
    post_message,
    preferences_for,
    update_preferences,
)
from .scheduled import (
    expire_referrals,
    remind_platforms,
    send_daily_digests,
    send_outcomes,
    settings_for,
    update_settings,
)
from .workflow import (
    accept_referral,
    cancel_referral,
    caseworkers_of,
    covers,
    create_referral,
    delete_draft,
    person_data,
    put_on_hold,
    refuse_referral,
    reopen_referral,
    resume_referral,
    save_draft,
    send_referral,
    start_review,
    transfer_referral,
    update_referral,
    withdraw_referral,
)

__all__ = [
    "ALLOWED_FROM",
    "PERSON_FIELDS",
    "PREFERENCE_FIELDS",
    "REFERRAL_FIELDS",
    "accept_referral",
    "add_attachment",
    "can",
    "cancel_referral",
    "caseworkers_of",
    "covers",
    "create_referral",
    "delete_attachment",
    "delete_draft",
    "expire_referrals",
    "is_platform_caseworker",
    "is_sender",
    "person_data",
    "post_message",
    "preferences_for",
    "put_on_hold",
    "refuse_referral",
    "remind_platforms",
    "reopen_referral",
    "resume_referral",
    "save_draft",
    "send_daily_digests",
    "send_outcomes",
    "send_referral",
    "settings_for",
    "start_review",
    "transfer_referral",
    "update_preferences",
    "update_referral",
    "update_settings",
    "withdraw_referral",
]
