"""Errors raised by services; views, the API, the CLI and imports turn them into actionable answers."""


class ServiceError(Exception):
    """A business rule refused the change. ``field_errors`` maps field names to messages."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class PermissionDenied(ServiceError):
    """The acting user may not do this (distinct from a hidden record, which is 'not found')."""


class NotFound(ServiceError):
    """The record does not exist or the acting user may not see it; the two are indistinguishable."""
