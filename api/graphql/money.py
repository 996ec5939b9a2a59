"""Money on the wire: a decimal string and an ISO 4217 currency, never a float."""

from decimal import Decimal, DecimalException, InvalidOperation
from typing import Self

import strawberry
from strawberry.schema.types.base_scalars import wrap_parser


def _finite_decimal(value: str) -> Decimal:
    """NaN and the infinities are not quantities: refused on the wire, so every comparison a
    service makes on a Decimal input is defined (Decimal("NaN") < 0 raises)."""
    parsed = Decimal(value)
    if not parsed.is_finite():
        raise InvalidOperation(value)
    return parsed


# Replaces strawberry's Decimal scalar (same name and description, so the SDL is unchanged).
FiniteDecimal = strawberry.scalar(
    name="Decimal",
    description="Decimal (fixed-point)",
    serialize=str,
    parse_value=wrap_parser(
        _finite_decimal,
        "Decimal",
        exceptions=(DecimalException,),
        include_error=False,
        accept_non_string=True,
    ),
)


@strawberry.type(description="An amount of money: a decimal string plus its currency.")
class Money:
    amount: Decimal = strawberry.field(description='Decimal string, e.g. "125000.00".')
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")

    @classmethod
    def of(cls, amount: Decimal | None, currency: str) -> Self | None:
        return None if amount is None else cls(amount=amount, currency=currency)
