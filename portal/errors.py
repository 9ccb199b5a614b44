"""Named portal errors; they become HTTP errors in one place (portal.http.errors).

Each carries its message in Russian and in English (`text`); the place that answers picks
the request's language. `str(error)` and `message` are the English wording, for logs,
tracebacks and the command line.
"""

from __future__ import annotations

from portal.text import Text

FieldErrors = dict[str, list[Text]]
"""A form's problems: field name -> its messages."""


class PortalError(Exception):
    code = "portal_error"
    status = 400

    def __init__(self, message: str, *, en: str) -> None:
        self.text = Text(message, en)
        super().__init__(en)

    @property
    def message(self) -> str:
        return self.text.en


class NotFound(PortalError):
    code = "not_found"
    status = 404


class Conflict(PortalError):
    code = "conflict"
    status = 409


class InvalidInput(PortalError):
    code = "invalid_input"
    status = 422


class PayloadTooLarge(PortalError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(PortalError):
    code = "unsupported_media_type"
    status = 415


class Unauthorized(PortalError):
    """No signed-in user where one is needed (pages redirect to sign-in instead)."""

    code = "unauthorized"
    status = 401


class Forbidden(PortalError):
    code = "forbidden"
    status = 403


class CsrfRejected(PortalError):
    code = "csrf_rejected"
    status = 403


class TooManyAttempts(PortalError):
    """Sign-in slowed down after repeated failures; `retry_after` is in seconds."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, *, en: str, retry_after: int) -> None:
        super().__init__(message, en=en)
        self.retry_after = retry_after


class FormErrors(InvalidInput):
    """Field-by-field problems of a submitted form; `fields` maps a field to its messages."""

    def __init__(self, fields: FieldErrors) -> None:
        self.fields = fields
        found = [m for messages in fields.values() for m in messages]
        super().__init__(" ".join(m.ru for m in found), en=" ".join(m.en for m in found))

    def fields_in(self, lang: str) -> dict[str, list[str]]:
        return {field: [m.in_language(lang) for m in ms] for field, ms in self.fields.items()}
