"""A decision letter (besluit) as the Awb asks for it: what was asked, what was decided and
why (art. 3:46), the amount or conditions, the date, who decided, and how to object
(art. 3:45: that objection is possible, within six weeks (art. 6:7), to whom and how).

Plain Python: what the letter says, not how it is printed (services/letters.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

OBJECTION_TERM = timedelta(weeks=6)  # art. 6:7 Awb
DEFAULT_AUTHORITY = "Het college van burgemeester en wethouders"

# the process's properties a designer sets for the letters of a process (all optional)
SIGNED_BY = "maatwerk:signedBy"  # who decides: "Het college van burgemeester en wethouders"
OBJECTION_TO = "maatwerk:objectionTo"  # to whom an objection goes (default: who decided)
OBJECTION_HOW = "maatwerk:objectionHow"  # how to object (default: OBJECTION_HOW_TEXT)
REQUEST = "maatwerk:requestSummary"  # what the resident asked, e.g. "${kosten_omschrijving}"
# the properties of the event at which a decision is made (an end or throw event)
DECISION = "maatwerk:decision"  # what was decided (required for a letter)
REASONS = "maatwerk:decisionReasons"  # why (required: art. 3:46 Awb)
AMOUNT = "maatwerk:decisionAmount"  # an amount in euro, e.g. "${bedrag}"
CONDITIONS = "maatwerk:decisionConditions"  # conditions or what the resident must do
DECISION_PROPERTIES = (DECISION, REASONS, AMOUNT, CONDITIONS)

OBJECTION_HOW_TEXT = (
    "Stuur een brief of gebruik het bezwaarformulier op onze website. Zet in uw bezwaar: "
    "uw naam en adres, de datum, het zaaknummer van dit besluit, waarom u het er niet mee "
    "eens bent, en uw handtekening.")


@dataclass(frozen=True)
class DecisionLetter:
    reference: str  # the case's number
    date: datetime  # when the decision was made (the letter's date)
    resident_name: str | None
    subject: str  # the process's name: "Bijzondere bijstand"
    applied_on: datetime  # when the application came in
    request: str | None  # what was asked, in the process's words
    decision: str
    reasons: str
    amount: Decimal | None
    conditions: str | None
    signed_by: str
    objection_to: str
    objection_how: str

    @property
    def objection_until(self) -> datetime:
        """The last day to object: six weeks after the day after the letter was sent
        (art. 6:8 Awb), so six weeks from the letter's date."""
        return self.date + OBJECTION_TERM

    @property
    def amount_text(self) -> str | None:
        return euro(self.amount) if self.amount is not None else None


def euro(amount: Decimal) -> str:
    """"€ 1.234,50" as Dutch readers write it."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(cents):,.2f}".partition(".")
    sign = "-" if cents < 0 else ""
    return f"€ {sign}{whole.replace(',', '.')},{fraction}"


def as_amount(value: object) -> Decimal | None:
    """An amount from case data (a number, or text like "450,50"); None when it is none."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    text = str(value).strip().replace("€", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
