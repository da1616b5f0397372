class DomainError(Exception):
    """A domain rule refused an operation; ``message`` is French and shown to the user."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class ConflictError(DomainError):
    """The operation conflicts with the current state (double booking, concurrent change)."""

    status_code = 409
