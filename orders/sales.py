"""Sales at a glance: what the shop sold, refunded, lost to disputes and delivered over a date range.

Every figure is one aggregation in SQL (GROUP BY on dates truncated in UTC), so the number of queries is
the same for ten orders or a year of them. Amounts are exact `Decimal`s in the currency's units and are
never added across currencies: every row carries its currency.

What counts:

- a *checkout* is an order recorded, whatever became of its payment (today one order is one payment);
- a *sale* is an order that was charged: PAID, or REFUNDED since; dated by when it was ordered;
- a *refund* is a `refunded` ledger row, dated when it happened (a refund in March of a January sale
  is March's); extra charges given back are not counted, since they were never sales;
- a *dispute* is a `Dispute` row, dated when Stripe opened it;
- the *licence* is the photo's licence text as it is now (the licence terms' version comes later).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Trunc

from orders.models import Dispute, DownloadEvent, Order, PaymentEvent

PERIODS = ("day", "week", "month")
CENTS = Decimal("0.01")
# A year's sales of one currency fit it whatever the prices (a price has 10 digits).
_TOTAL = DecimalField(max_digits=20, decimal_places=2)
_SOLD = Q(status__in=[Order.Status.PAID, Order.Status.REFUNDED])


@dataclass(frozen=True)
class SalesRange:
    """The days from `start` to `end`, both included (UTC), by `period` (day, week from Monday, month)."""

    start: date
    end: date
    period: str

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def periods(self) -> list[date]:
        """Every period's first day in the range, the first one truncated as the database does."""
        first = period_start(self.start, self.period)
        found = []
        while first <= self.end:
            found.append(first)
            first = next_period(first, self.period)
        return found


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def next_period(first: date, period: str) -> date:
    if period == "week":
        return first + timedelta(days=7)
    if period == "month":
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=1)


@dataclass(frozen=True)
class PeriodSales:
    period: date
    currency: str
    checkouts: int = 0
    sales: int = 0
    failed: int = 0
    revenue: Decimal = Decimal("0.00")
    refunds: int = 0
    refunded: Decimal = Decimal("0.00")
    disputed: int = 0  # sales of the period whose payment is disputed (open or lost)

    @property
    def net(self) -> Decimal:
        return self.revenue - self.refunded


@dataclass(frozen=True)
class ProductSales:
    product_id: int
    title: str
    currency: str
    sales: int
    revenue: Decimal


@dataclass(frozen=True)
class LicenceSales:
    licence: str
    currency: str
    sales: int
    revenue: Decimal


@dataclass(frozen=True)
class DisputeCount:
    status: str
    currency: str
    disputes: int
    amount: Decimal


@dataclass(frozen=True)
class DownloadCount:
    kind: str
    events: int
    bytes: int


def sales_by_period(*, within: SalesRange) -> list[PeriodSales]:
    """Return each period's checkouts, sales, revenue, refunds and disputed sales, by currency (two queries)."""
    rows: dict[tuple[date, str], dict] = {}
    orders = (
        Order.objects.filter(ordered_at__gte=within.start_at, ordered_at__lt=within.end_before)
        .annotate(period=Trunc("ordered_at", within.period, tzinfo=UTC))
        .values("period", "currency")
        .annotate(
            checkouts=Count("id"),
            sales=Count("id", filter=_SOLD),
            failed=Count("id", filter=Q(status=Order.Status.FAILED)),
            revenue=Sum("price", filter=_SOLD, output_field=_TOTAL),
            disputed=Count("id", filter=_SOLD & Q(disputed=True)),
        )
        .order_by()
    )
    for row in orders:
        key = (_day(row.pop("period")), row.pop("currency").lower())
        rows.setdefault(key, {}).update(row, revenue=_exact(row["revenue"]))
    refunds = (
        PaymentEvent.objects.filter(
            kind=PaymentEvent.Kind.REFUNDED, created_at__gte=within.start_at, created_at__lt=within.end_before
        )
        .annotate(period=Trunc("created_at", within.period, tzinfo=UTC), currency=F("order__currency"))
        .values("period", "currency")
        .annotate(refunds=Count("id"), refunded_cents=Sum("amount"))
        .order_by()
    )
    for row in refunds:
        key = (_day(row["period"]), (row["currency"] or "").lower())
        rows.setdefault(key, {}).update(refunds=row["refunds"], refunded=_from_cents(row["refunded_cents"]))
    return [
        PeriodSales(period=period, currency=currency, **values) for (period, currency), values in sorted(rows.items())
    ]


def sales_top_photos(*, within: SalesRange, limit: int = 10) -> list[ProductSales]:
    """Return the photos sold most in the range (by sales, then revenue), each currency on its own row."""
    rows = (
        Order.objects.filter(_SOLD, ordered_at__gte=within.start_at, ordered_at__lt=within.end_before)
        .values("product_id", "product__title", "currency")
        .annotate(sales=Count("id"), revenue=Sum("price", output_field=_TOTAL))
        # Revenues are compared within a currency only.
        .order_by("-sales", "currency", "-revenue", "product_id")[:limit]
    )
    return [
        ProductSales(
            product_id=row["product_id"],
            title=row["product__title"],
            currency=row["currency"].lower(),
            sales=row["sales"],
            revenue=_exact(row["revenue"]),
        )
        for row in rows
    ]


def sales_by_licence(*, within: SalesRange) -> list[LicenceSales]:
    """Return the sales and revenue of each licence (the photo's licence text), by currency."""
    rows = (
        Order.objects.filter(_SOLD, ordered_at__gte=within.start_at, ordered_at__lt=within.end_before)
        .values("product__license", "currency")
        .annotate(sales=Count("id"), revenue=Sum("price", output_field=_TOTAL))
        .order_by("-sales", "product__license", "currency")
    )
    return [
        LicenceSales(
            licence=row["product__license"] or "(none stated)",
            currency=row["currency"].lower(),
            sales=row["sales"],
            revenue=_exact(row["revenue"]),
        )
        for row in rows
    ]


def disputes_by_status(*, within: SalesRange) -> list[DisputeCount]:
    """Return the disputes Stripe opened in the range, by status and currency, with their amounts."""
    rows = (
        Dispute.objects.filter(created_at__gte=within.start_at, created_at__lt=within.end_before)
        .values("status", "currency")
        .annotate(disputes=Count("id"), cents=Sum("amount"))
        .order_by("status", "currency")
    )
    return [
        DisputeCount(
            status=row["status"],
            currency=row["currency"].lower(),
            disputes=row["disputes"],
            amount=_from_cents(row["cents"]),
        )
        for row in rows
    ]


def downloads_by_kind(*, within: SalesRange) -> list[DownloadCount]:
    """Return the download links issued and the files served or refused in the range, with their bytes."""
    rows = (
        DownloadEvent.objects.filter(at__gte=within.start_at, at__lt=within.end_before)
        .values("kind")
        .annotate(events=Count("id"), total=Sum("bytes"))
        .order_by("kind")
    )
    return [DownloadCount(kind=row["kind"], events=row["events"], bytes=row["total"] or 0) for row in rows]


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _exact(value) -> Decimal:
    return (value or Decimal(0)).quantize(CENTS)


def _from_cents(cents) -> Decimal:
    # The ledger keeps amounts in hundredths (two-decimal currencies only: docs/payments.md, Statuses).
    return (Decimal(cents or 0) / 100).quantize(CENTS)
