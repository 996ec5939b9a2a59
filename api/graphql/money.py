"""Money on the wire: a decimal string and an ISO 4217 currency, never a float."""

from decimal import Decimal
from typing import Self

import strawberry


@strawberry.type(description="An amount of money: a decimal string plus its currency.")
class Money:
    amount: Decimal = strawberry.field(description='Decimal string, e.g. "125000.00".')
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")

    @classmethod
    def of(cls, amount: Decimal | None, currency: str) -> Self | None:
        return None if amount is None else cls(amount=amount, currency=currency)
