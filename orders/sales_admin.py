"""The admin's sales page: sales at a glance for staff, as a chart and tables, and the same figures as CSV.

`GET /admin/orders/order/sales/?start=2026-01-01&end=2026-12-31&period=month` (staff who may view
orders); `&csv=periods`, `photos` or `licences` answers that table as CSV for accounting. The figures
come from orders.sales, a fixed number of queries whatever the number of orders. The chart is inline
SVG, drawn by the server (a bar a period, one chart a currency) beside a table of the same figures.
"""

import csv
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join

from orders.sales import (
    PERIODS,
    PeriodSales,
    SalesRange,
    disputes_by_status,
    downloads_by_kind,
    sales_by_licence,
    sales_by_period,
    sales_top_photos,
)

MAX_DAYS = 5 * 366
MAX_BARS = 400  # a chart wider than this is unreadable: a longer range takes a longer period


class SalesRangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(choices=[(p, p.capitalize()) for p in PERIODS], required=False)

    def clean(self):
        data = super().clean()
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or _year_before(end)
        period = data.get("period") or "month"
        if start > end:
            raise forms.ValidationError("The start comes after the end.")
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError("Choose a range of five years at most.")
        if len(SalesRange(start, end, period).periods()) > MAX_BARS:
            raise forms.ValidationError(f"More than {MAX_BARS} {period}s: choose a longer period or a shorter range.")
        data["range"] = SalesRange(start=start, end=end, period=period)
        return data


def _year_before(end):
    return (end - timedelta(days=364)).replace(day=1)


def default_range() -> SalesRange:
    """The last twelve months, by month."""
    today = timezone.now().date()
    return SalesRange(start=_year_before(today), end=today, period="month")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Chart:
    currency: str
    bars: list[Bar]
    ticks: list[tuple[float, Decimal]]  # (y, amount) of the horizontal guides
    labels: list[tuple[float, str]]  # (x, text) under the bars, a few of them
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int

    def bars_svg(self) -> str:
        """The bars as SVG, each with its period and amount as its title (what a pointer or screen reader finds)."""
        return format_html_join(
            "\n",
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>',
            ((b.x, b.y, b.width, b.height, b.label, b.amount, self.currency.upper()) for b in self.bars),
        )


def revenue_chart(rows: list[PeriodSales], *, currency: str, periods: list, period: str) -> Chart:
    """Lay out one currency's revenue per period as bars (every period, zero where nothing sold)."""
    width, height, left, top, bottom = 760, 260, 80, 12, 220
    by_period = {row.period: row.revenue for row in rows if row.currency == currency}
    amounts = [by_period.get(first, Decimal("0.00")) for first in periods]
    highest = max(amounts, default=Decimal(0)) or Decimal(1)
    slot = (width - left - 8) / max(len(amounts), 1)
    bars = []
    for index, (first, amount) in enumerate(zip(periods, amounts, strict=True)):
        bar_height = float(amount / highest) * (bottom - top)
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.1, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(bar_height, 2),
                label=_period_label(first, period),
                amount=amount,
            )
        )
    ticks = [
        (round(bottom - share * (bottom - top), 2), (highest * Decimal(share)).quantize(Decimal("0.01")))
        for share in (0, 0.5, 1)
    ]
    every = max(1, len(bars) // 8)
    labels = [(round(bar.x + bar.width / 2, 2), bar.label) for bar in bars[::every]]
    return Chart(currency, bars, ticks, labels, width, height, top, bottom, left)


def _period_label(first, period: str) -> str:
    if period == "month":
        return f"{first:%b %Y}"
    if period == "week":
        return f"week of {first:%d %b %Y}"
    return f"{first:%d %b %Y}"


def sales_view(model_admin, request):
    """Show the sales page, or one of its tables as CSV (`csv=periods|photos|licences`)."""
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    default = default_range()
    form = SalesRangeForm(
        request.GET or None, initial={"start": default.start, "end": default.end, "period": default.period}
    )
    valid = form.is_valid()
    within = form.cleaned_data["range"] if valid else default
    table = request.GET.get("csv")
    if table in CSV_TABLES and valid:
        return _csv_response(table, within)
    rows = sales_by_period(within=within)
    periods = within.periods()
    currencies = sorted({row.currency for row in rows})
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Sales at a glance",
        "opts": model_admin.model._meta,
        "form": form,
        "within": within,
        "currencies": [
            {
                "currency": currency,
                "chart": revenue_chart(rows, currency=currency, periods=periods, period=within.period),
                "rows": _table_rows([row for row in rows if row.currency == currency]),
                "totals": _totals(rows, currency),
            }
            for currency in currencies
        ],
        "photos": sales_top_photos(within=within),
        "licences": sales_by_licence(within=within),
        "disputes": disputes_by_status(within=within),
        "downloads": downloads_by_kind(within=within),
        "query": _without_csv(request),
    }
    return TemplateResponse(request, "admin/orders/sales.html", context)


def _table_rows(rows: list[PeriodSales]) -> str:
    """The table's rows (hundreds of them by day): built here, as the template engine takes ten times longer."""
    return format_html_join(
        "\n",
        '<tr><th scope="row">{}</th>' + '<td class="number">{}</td>' * 8 + "</tr>",
        (
            (
                row.period.isoformat(),
                row.checkouts,
                row.sales,
                row.failed,
                row.revenue,
                row.refunds,
                row.refunded,
                row.net,
                row.disputed,
            )
            for row in rows
        ),
    )


def _totals(rows: list[PeriodSales], currency: str) -> PeriodSales:
    mine = [row for row in rows if row.currency == currency]
    return PeriodSales(
        period=None,
        currency=currency,
        checkouts=sum(row.checkouts for row in mine),
        sales=sum(row.sales for row in mine),
        failed=sum(row.failed for row in mine),
        revenue=sum((row.revenue for row in mine), Decimal("0.00")),
        refunds=sum(row.refunds for row in mine),
        refunded=sum((row.refunded for row in mine), Decimal("0.00")),
        disputed=sum(row.disputed for row in mine),
    )


def _period_rows(within: SalesRange):
    yield [
        "period_start",
        "currency",
        "checkouts",
        "sales",
        "failed",
        "revenue",
        "refunds",
        "refunded",
        "net",
        "disputed",
    ]
    for row in sales_by_period(within=within):
        yield [
            row.period.isoformat(),
            row.currency.upper(),
            row.checkouts,
            row.sales,
            row.failed,
            row.revenue,
            row.refunds,
            row.refunded,
            row.net,
            row.disputed,
        ]


def _photo_rows(within: SalesRange):
    yield ["product_id", "title", "currency", "sales", "revenue"]
    for row in sales_top_photos(within=within, limit=1000):
        yield [row.product_id, row.title, row.currency.upper(), row.sales, row.revenue]


def _licence_rows(within: SalesRange):
    yield ["licence", "currency", "sales", "revenue"]
    for row in sales_by_licence(within=within):
        yield [row.licence, row.currency.upper(), row.sales, row.revenue]


CSV_TABLES = {"periods": _period_rows, "photos": _photo_rows, "licences": _licence_rows}


def _csv_response(table: str, within: SalesRange) -> HttpResponse:
    name = f"frameseller-{table}-{within.start}-{within.end}-{within.period}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    writer = csv.writer(response)
    for row in CSV_TABLES[table](within):
        # A text cell that a spreadsheet would run as a formula is quoted as text.
        writer.writerow([f"'{cell}" if isinstance(cell, str) and cell[:1] in "=+-@\t\r" else cell for cell in row])
    return response


def _without_csv(request) -> str:
    query = request.GET.copy()
    query.pop("csv", None)
    return query.urlencode()
