"""Small helpers shared by every app's services."""

from django.core.exceptions import ValidationError
from django.db import models

from kamdesk.core.errors import ServiceError


def validate(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's validation and raise a ServiceError that names each bad field.

    Two shortcuts keep bulk imports fast without weakening anything: check constraints are left to the
    database (the fields' own validators give the person the same message first), and a foreign key set
    to an object the service already loaded is not looked up again.
    """
    excluded = set(exclude or ())
    try:
        instance.full_clean(
            exclude=sorted(excluded | _loaded_relations(instance)), validate_unique=True, validate_constraints=False
        )
        for constraint in instance._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                constraint.validate(type(instance), instance, exclude=excluded)
    except ValidationError as exc:
        raise ServiceError("Please correct the highlighted fields.", _field_errors(exc)) from exc


def _loaded_relations(instance: models.Model) -> set[str]:
    return {
        field.name
        for field in instance._meta.concrete_fields
        if field.many_to_one
        and field.is_cached(instance)
        and getattr(instance, field.name) is not None
        and getattr(instance, field.name).pk is not None
    }


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": list(exc.messages)}


def apply_fields(instance: models.Model, values: dict, allowed: set[str]) -> None:
    """Set plain attributes, refusing names a caller may not change."""
    unknown = set(values) - allowed
    if unknown:
        raise ServiceError(
            "Unknown or read-only fields.", {name: ["This field cannot be set."] for name in sorted(unknown)}
        )
    for name, value in values.items():
        setattr(instance, name, value)
