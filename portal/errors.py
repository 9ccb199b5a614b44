"""Named portal errors; they become HTTP errors in one place (portal.web.errors)."""


class PortalError(Exception):
    code = "portal_error"
    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFound(PortalError):
    code = "not_found"
    status = 404


class Conflict(PortalError):
    code = "conflict"
    status = 409


class InvalidInput(PortalError):
    code = "invalid_input"
    status = 422


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

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FormErrors(InvalidInput):
    """Field-by-field problems of a submitted form; `fields` maps a field to its messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__(" ".join(m for messages in fields.values() for m in messages))
