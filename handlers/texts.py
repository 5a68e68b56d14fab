"""Sentences for domain error codes, in the user's language. Services give codes only."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from services.errors import DomainError

FIELD_NAMES = {
    "name": __("name"),
    "phone": __("phone"),
    "email": __("e-mail"),
    "role": __("role"),
    "user": __("user"),
    "language": __("language"),
}

ERRORS = {
    "not_found": __("Not found. It may have been removed, or it is not yours."),
    "forbidden": __("You do not have access to this."),
    "invite_invalid": __("This invitation link is not valid or has already been used."),
    "invite_expired": __("This invitation link has expired. Ask an admin for a new one."),
    "already_member": __("You are already a member of the team."),
    "already_deactivated": __("Already deactivated."),
    "self_deactivate": __("You cannot deactivate yourself."),
    "bad_language": __("Unknown language."),
    "empty": __("The {field} cannot be empty."),
    "too_long": __("The {field} is too long: at most {limit} characters."),
    "not_a_number": __("That does not look like a phone number. Example: +7 912 345-67-89."),
    "invalid_phone": __("This phone number is not valid. Add the country code, e.g. +373..."),
    "invalid_email": __("This e-mail address is not valid. Example: name@company.ru."),
}


def error_text(err: DomainError) -> str:
    template = ERRORS.get(err.code)
    if template is None:
        return _("This cannot be done: {reason}.").format(reason=err.code)
    params = dict(err.params)
    field = params.get("field")
    if field is not None:
        params["field"] = str(FIELD_NAMES.get(field, field))
    return str(template).format(**params)


def unexpected_error_text() -> str:
    return _("Something went wrong on our side; nothing was saved. Please try again.")
