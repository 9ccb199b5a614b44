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
