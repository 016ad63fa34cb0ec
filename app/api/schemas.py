"""Schemas shared by every resource: errors, pages of results, sorting."""

from datetime import UTC, date, datetime
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from app.extensions import db

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


class ErrorSchema(ma.Schema):
    """Every error the API returns."""

    status = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = fields.String(
        required=True,
        metadata={"description": "Stable machine-readable code, e.g. not_found, state_conflict."},
    )
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Messages by field name, for invalid input."},
    )
    current_version = fields.Integer(
        metadata={"description": "On a concurrent edit: the version the object now has."}
    )


class ApiSchema(ma.Schema):
    """A request body or query: unknown fields are refused, so typos do not pass silently."""

    class Meta:
        unknown = ma.RAISE


class PageArgs(ApiSchema):
    """Which page of a list, and how it is sorted (subclasses add `sort` and filters)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."},
    )


def sort_field(names: list[str], default: str) -> fields.String:
    """A `sort` query field: a column name, with a leading '-' for descending order."""
    choices = [name for column in names for name in (column, f"-{column}")]
    return fields.String(
        load_default=default,
        validate=validate.OneOf(choices),
        metadata={"description": "Sort by this field; prefix '-' for descending."},
    )


class PageSchema(ma.Schema):
    """The envelope of a list: the items of one page and where it sits in the whole."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items matching, in all."})
    pages = fields.Integer(required=True)


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """Return the page envelope schema for items of one kind."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)}
    )


def paginate(query: sa.Select, args: dict, sorts: dict) -> dict:
    """Return one sorted page of a query with the total, in two queries whatever the size."""
    sort = args["sort"]
    column = sorts[sort.removeprefix("-")]
    entity = query.column_descriptions[0]["entity"]
    ordered = query.order_by(None).order_by(
        column.desc() if sort.startswith("-") else column.asc(),
        entity.id.desc() if sort.startswith("-") else entity.id.asc(),
    )
    page = db.paginate(
        ordered, page=args["page"], per_page=args["per_page"], error_out=False, count=True
    )
    return {
        "items": page.items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


# Field types that keep every value the database can store, so bad input is a 422, never a 500.

NO_NUL = "^[^\\u0000]*$"  # PostgreSQL text cannot hold NUL
NOT_BLANK = "^[^\\u0000]*[^\\u0000\\s][^\\u0000]*$"
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_INT = 2_147_483_647


def text(max_length: int | None = None, **kwargs) -> fields.String:
    """A string without NUL characters, at most `max_length` long."""
    validators = [validate.Regexp(NO_NUL, error="Text may not contain NUL characters.")]
    if max_length:
        validators.append(validate.Length(max=max_length))
    metadata = kwargs.pop("metadata", {})
    return fields.String(validate=validators, metadata={"pattern": NO_NUL} | metadata, **kwargs)


def name(max_length: int, **kwargs) -> fields.String:
    """A required string that must not be blank."""
    validators = [
        validate.Regexp(NOT_BLANK, error="This may not be blank (nor contain NUL characters)."),
        validate.Length(min=1, max=max_length),
    ]
    metadata = kwargs.pop("metadata", {})
    return fields.String(validate=validators, metadata={"pattern": NOT_BLANK} | metadata, **kwargs)


def decimal(
    whole_digits: int, minimum: Decimal = Decimal("0"), *, example: str = "25000.00", **kwargs
) -> fields.Decimal:
    """A decimal exchanged as a string such as "25000.00" (exact, unlike a JSON number)."""
    pattern = f"^[0-9]{{1,{whole_digits}}}(\\.[0-9]{{1,2}})?$"

    maximum = Decimal(10) ** whole_digits - Decimal("0.01")

    def in_range(value: Decimal) -> None:
        # Not validate.Range: apispec would document its bounds as numbers on a string.
        if not minimum <= value <= maximum:
            raise ma.ValidationError(f"Must be from {minimum} to {maximum}.")

    metadata = kwargs.pop("metadata", {})
    return fields.Decimal(
        places=2,
        as_string=True,
        validate=in_range,
        metadata={"type": "string", "pattern": pattern, "example": example} | metadata,
        **kwargs,
    )


def money(**kwargs) -> fields.Decimal:
    """An amount of money, such as "25000.00": up to ten digits before the point."""
    return decimal(10, **kwargs)


def instant(**kwargs) -> fields.AwareDateTime:
    """A moment with its UTC offset (ISO 8601), between 1970 and 2200."""
    return fields.AwareDateTime(
        validate=validate.Range(min=EARLIEST, max=LATEST, error="Give a date from 1970 to 2199."),
        **kwargs,
    )


def day(**kwargs) -> fields.Date:
    """A calendar date (ISO 8601), between 1970 and 2199."""

    def in_range(value: date) -> None:
        # Not validate.Range: apispec would document its bounds as numbers.
        if not EARLIEST.date() <= value < LATEST.date():
            raise ma.ValidationError("Give a date from 1970 to 2199.")

    return fields.Date(validate=in_range, **kwargs)


def integer(minimum: int = 0, maximum: int = MAX_INT, **kwargs) -> fields.Integer:
    """An integer within the range the database stores."""
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


def changes_to(schema: type[ma.Schema], *, required: tuple[str, ...] = ()) -> ma.Schema:
    """Return a schema for a partial update: every field optional except `required` ones."""
    optional = tuple(
        field_name
        for field_name, field in schema._declared_fields.items()
        if not field.dump_only and field_name not in required
    )
    return schema(partial=optional)


def query_integer(minimum: int = 1, maximum: int = MAX_INT, **kwargs) -> fields.Integer:
    """An integer in the query string (text there, so not strict), within the stored range."""
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


class VersionSchema(ApiSchema):
    """The version the client last read, for an action that must not act on stale data."""

    version = integer(1, required=True, metadata={"description": "The object's version."})
