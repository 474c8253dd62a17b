"""The business-case workbook of one initiative: a live model finance can audit and flex, agreeing with the service.

Every figure the service computes is a formula here, over the register's own numbers: assumptions are defined
names, the model's nodes are formulas over them, a model-valued benefit's plan scales with its node (its planned
values were made at the node's most-likely value), and the appraisal discounts by the schedule's bands.
"""

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from benefits import appraisal as appraisal_module
from benefits import cause_models, costs, demand, finance, measures, register, status
from benefits.initiatives import get_initiative
from benefits.modelling.expressions import to_excel
from benefits.modelling.graph import CheckedModel
from benefits.modelling.simulation import deterministic, simulate, summarise
from benefits.models import Benefit, Initiative
from benefits.models.appraisal import AppraisalRead
from benefits.models.demand import DemandAssumption, DemandFigure, DemandType
from benefits.models.finance import YearRoutes
from benefits.models.status import BenefitStatusRead
from benefits.periods import Granularity, parse_period
from benefits.stages import STAGE_ORDER, Category, MeasuredAs, RealisationRoute, counts_as_money, profile_size
from benefits.workbooks.cells import (
    FACTOR,
    MONEY,
    NUMBER,
    SHARE,
    WHOLE,
    for_print,
    header_row,
    put,
    put_text,
    title,
    widths,
)

AS_OF = "Summary!$B$10"  # the export date, a plain reference: a defined name could clash with a node's name
FIRST_ROW = 5  # the first data row of the Benefits and Costs sheets (row 4 holds the headings)
CASH, CAPACITY, UNDECIDED, NON_CASH = "cash", "capacity", "undecided", "non_cash"


@dataclass
class BenefitRow:
    """One live benefit of the register, with its figures summed into financial years."""

    benefit: Benefit
    line: str  # the appraisal line: cash, capacity, undecided, non_cash, or "" when not counted in money
    plan: dict[int, Decimal] = field(default_factory=dict)
    actual: dict[int, Decimal] = field(default_factory=dict)
    open_plan: dict[int, Decimal] = field(default_factory=dict)  # planned values of periods with no actual yet
    confirmed: dict[int, Decimal] = field(default_factory=dict)
    at_risk: dict[int, Decimal] = field(default_factory=dict)
    measures: list[str] = field(default_factory=list)


def _line(benefit: Benefit) -> str:
    if not counts_as_money(benefit.category, benefit.unit, benefit.measured_as):
        return ""
    if benefit.category != Category.financial:
        return NON_CASH
    if benefit.route in (RealisationRoute.cash, RealisationRoute.capacity):
        return str(benefit.route.value)
    return UNDECIDED


def _period_start(label: str, start_month: int) -> date:
    period = parse_period(label)
    month = start_month - 1 + 3 * ((period.quarter or 1) - 1)
    return date(period.start_year + month // 12, month % 12 + 1, 1)


def _rows(*, session: Session, initiative: Initiative, as_of: date) -> list[BenefitRow]:
    loaded = register.loaded_relations()
    benefits = session.exec(
        select(Benefit)
        .where(Benefit.initiative_id == initiative.id, col(Benefit.withdrawn).is_(False))
        .order_by(col(Benefit.id))
        .options(*loaded)
    ).all()
    names = measures.measure_names_by_benefit(session=session, benefit_ids=[b.id or 0 for b in benefits])
    rows = []
    for benefit in benefits:
        row = BenefitRow(benefit=benefit, line=_line(benefit), measures=names.get(benefit.id or 0, []))
        confirmed_by_period: dict[str, Decimal] = defaultdict(Decimal)
        for confirmation in benefit.cash_confirmations:
            confirmed_by_period[confirmation.period] += confirmation.amount
            year = parse_period(confirmation.period).start_year
            row.confirmed[year] = row.confirmed.get(year, Decimal(0)) + confirmation.amount
        for entry in benefit.profile:
            year = entry.sort_key // 10
            planned = entry.planned or Decimal(0)
            if entry.planned is not None:  # a year with actuals but no plan shows no plan (not a plan of 0)
                row.plan[year] = row.plan.get(year, Decimal(0)) + planned
            if entry.actual is not None:
                row.actual[year] = row.actual.get(year, Decimal(0)) + entry.actual
            else:
                row.open_plan[year] = row.open_plan.get(year, Decimal(0)) + planned
            # At risk, as the finance summary judges it: each started period's planned cash not confirmed.
            started = _period_start(entry.period, initiative.fy_start_month) <= as_of
            if row.line == CASH and not benefit.is_disbenefit and started:
                shortfall = planned - confirmed_by_period.get(entry.period, Decimal(0))
                if shortfall > 0:
                    row.at_risk[year] = row.at_risk.get(year, Decimal(0)) + shortfall
        rows.append(row)
    return rows


class Layout:
    """Where things are: the Benefits sheet's blocks of year columns, and the Appraisal sheet's rows."""

    def __init__(self, years: list[int], benefits: int, cost_lines: int) -> None:
        self.years = years
        self.fixed = 17  # A..Q: the register's own columns
        self.last_benefit_row = FIRST_ROW + max(benefits, 1) - 1
        self.last_cost_row = FIRST_ROW + max(cost_lines, 1) - 1
        self.cost_uplifted_first = 6 + len(years)  # Costs: five fixed columns, then amounts, then uplifted

    def block(self, number: int) -> int:
        """The first column of block `number` (0 plan, 1 actual, 2 forecast, 3 confirmed, 4 at risk)."""
        return self.fixed + 1 + number * len(self.years)

    def column(self, number: int, year: int) -> str:
        """The Benefits column of `year` in block `number`."""
        return get_column_letter(self.block(number) + self.years.index(year))

    def benefit_range(self, column: str) -> str:
        """A whole column of the register, as an absolute range on the Benefits sheet."""
        return f"Benefits!${column}${FIRST_ROW}:${column}${self.last_benefit_row}"

    def year_column(self, year: int) -> str:
        """The Appraisal and Cash v capacity column of `year`."""
        return get_column_letter(2 + self.years.index(year))


# Appraisal sheet rows.
ROW_PERIOD, ROW_YEAR, ROW_STARTS = 4, 5, 6
ROW_CASH, ROW_CAPACITY, ROW_UNDECIDED, ROW_NON_CASH, ROW_BENEFITS, ROW_COSTS, ROW_NET = 7, 8, 9, 10, 11, 12, 13
ROW_RATE, ROW_FACTOR, ROW_PV, ROW_CUMULATIVE = 14, 15, 16, 17
ROW_FIN_NET, ROW_FIN_PV, ROW_FIN_CUMULATIVE, ROW_FIN_DISCOUNTED = 18, 19, 20, 21
ROW_PAYS_BACK, ROW_PAYS_BACK_DISCOUNTED = 22, 23
ROW_ECONOMIC = 25
ROW_FINANCIAL = 31
ROW_BANDS = 40


def _define(book: Workbook, name: str, sheet: str, cell: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{cell}")


def _first_year(label: str) -> int:
    """The first year of a label the appraisal wrote itself (Period.label).

    Read back rather than parsed as a client's label: an initiative that starts in, say, 1268 has years no client
    may type, and its appraisal names them all the same.
    """
    return int(label.split("-")[0])


def business_case_workbook(*, session: Session, initiative_id: int, as_of: date | None = None) -> bytes:
    """The business-case workbook of an initiative, as the bytes of an .xlsx file."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    day = as_of or date.today()
    appraised = appraisal_module.appraise(session=session, initiative_id=initiative_id)
    settings, _ = appraisal_module.appraisal_settings(session=session)
    schedule = appraisal_module.schedule_for(initiative, settings)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    model = cause_models.checked_model(stored) if stored.nodes else None
    rows = _rows(session=session, initiative=initiative, as_of=day)
    lines = costs.all_costs(session=session, initiative_id=initiative_id)
    years = [_first_year(period.period) for period in appraised.periods]
    layout = Layout(years, len(rows), len(lines))

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    names = (
        "Assumptions", "Model", "Benefits", "Baselines", "Costs", "Appraisal", "Cash v capacity", "Pipeline", "Notes",
        "Demand",
    )  # fmt: skip
    sheets = {name: book.create_sheet(name) for name in names}
    most_likely = _model_sheets(book, sheets["Assumptions"], sheets["Model"], model)
    statuses = {
        row.benefit_id: row for row in status.initiative_status(session=session, initiative_id=initiative_id).benefits
    }
    _benefits_sheet(sheets["Benefits"], rows, layout, most_likely, initiative, statuses)
    _costs_sheet(sheets["Costs"], lines, layout, initiative)
    _appraisal_sheet(sheets["Appraisal"], appraised, layout, schedule.bands, initiative)
    _baselines_sheet(sheets["Baselines"], rows, layout)
    _cash_sheet(sheets["Cash v capacity"], layout)
    capacity = finance.cash_capacity_summary(session=session, initiative_id=initiative_id, today=day)
    _capacity_columns(sheets["Cash v capacity"], layout, {row.year: row for row in capacity.years})
    _pipeline_sheet(sheets["Pipeline"], layout, settings.stage_weights.model_dump())
    _summary_sheet(book, summary, initiative, appraised, layout, day)
    _notes_sheet(sheets["Notes"])
    _demand_sheet(session, book, sheets["Demand"], initiative_id)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _model_sheets(
    book: Workbook, assumptions: Worksheet, model_sheet: Worksheet, model: CheckedModel | None
) -> dict[str, float]:
    """Assumptions as defined names, and derived nodes as live formulas; each node's most-likely value."""
    title(assumptions, "Assumptions", "Change a most-likely value to flex the whole workbook: each is a defined name.")
    header_row(assumptions, 4, ["Name", "Label", "Unit", "Most likely", "Low", "High", "Distribution", "Source"])
    title(model_sheet, "Model", "Each derived node is a live formula over the assumptions; P10/P50/P90 are values.")
    header_row(model_sheet, 4, ["Name", "Label", "Unit", "Value", "P10", "P50", "P90", "Formula"])
    if model is None:
        put_text(assumptions, 5, 1, "This initiative has no model.")
        return {}
    values = deterministic(model)
    spread = summarise(
        model,
        simulate(model, samples=cause_models.VALUATION_SAMPLES, seed=cause_models.VALUATION_SEED),
        values,
    )
    row = 5
    for node in model.assumptions:
        put_text(assumptions, row, 1, node.name)
        put_text(assumptions, row, 2, node.label)
        put_text(assumptions, row, 3, node.unit)
        put(assumptions, row, 4, node.value, NUMBER)
        put(assumptions, row, 5, node.low, NUMBER)
        put(assumptions, row, 6, node.high, NUMBER)
        put_text(assumptions, row, 7, node.distribution.value if node.ranged else "")
        put_text(assumptions, row, 8, node.source)
        _define(book, node.name, "Assumptions", f"$D${row}")
        row += 1
    row = 5
    for name in model.order:
        if name not in model.formulas:
            continue
        node = model.nodes[name]
        put_text(model_sheet, row, 1, name)
        put_text(model_sheet, row, 2, node.label)
        put_text(model_sheet, row, 3, node.unit)
        put(model_sheet, row, 4, "=" + to_excel(model.formulas[name]), NUMBER)
        for offset, value in enumerate((spread[name].p10, spread[name].p50, spread[name].p90)):
            put(model_sheet, row, 5 + offset, value, NUMBER)
        put_text(model_sheet, row, 8, node.formula)
        _define(book, name, "Model", f"$D${row}")
        row += 1
    for sheet in (assumptions, model_sheet):
        sheet.freeze_panes = "B5"
        widths(sheet, {1: 28, 2: 36, 3: 16, 8: 60}, default=14, last=8)
        for_print(sheet, "4:4")
    return {name: value for name, value in values.items() if model.nodes[name].kind.quantitative}


BENEFIT_COLUMNS = [
    "Id", "Title", "Stage", "Category", "Route", "Cost centre", "Owner", "Measures", "Unit", "Baseline",
    "Target", "Confidence", "Dis-benefit", "Appraisal line", "Sign", "Model node", "Node most likely",
]  # fmt: skip


def _benefits_sheet(
    sheet: Worksheet,
    rows: list[BenefitRow],
    layout: Layout,
    most_likely: dict[str, float],
    initiative: Initiative,
    statuses: dict[int, BenefitStatusRead],
) -> None:
    title(sheet, "Benefits", "Plan, actual and forecast (actuals where recorded, plan otherwise) by financial year.")
    header_row(sheet, 4, BENEFIT_COLUMNS)
    blocks = ["Plan", "Actual", "Forecast", "Cash confirmed", "Cash at risk"]
    for number, block in enumerate(blocks):
        put_text(sheet, 3, layout.block(number), block)
        header_row(sheet, 4, [f"{block} {_label(year)}" for year in layout.years], layout.block(number))
    total_column = layout.block(len(blocks))
    header_row(sheet, 4, ["Forecast total", *STATUS_HEADINGS], total_column)
    quarterly = initiative.granularity is Granularity.quarter
    for index, item in enumerate(rows):
        r = FIRST_ROW + index
        benefit = item.benefit
        texts = [
            str(benefit.id), benefit.title, benefit.stage.value, benefit.category.value if benefit.category else "",
            benefit.route.value if benefit.route is not None else ("undecided" if item.line == UNDECIDED else ""),
            benefit.cost_centre, benefit.owner, ", ".join(item.measures), benefit.unit,
        ]  # fmt: skip
        for column, text in enumerate(texts, start=1):
            put_text(sheet, r, column, text)
        put(sheet, r, 1, benefit.id)
        put(sheet, r, 10, benefit.baseline_value, NUMBER)
        put(sheet, r, 11, benefit.target_value, NUMBER)
        put_text(sheet, r, 12, benefit.confidence.value if benefit.confidence else "")
        put_text(sheet, r, 13, "Yes" if benefit.is_disbenefit else "No")
        put_text(sheet, r, 14, item.line)
        put(sheet, r, 15, -1 if benefit.is_disbenefit else 1)
        node = benefit.model_node if most_likely.get(benefit.model_node or "") else None
        put_text(sheet, r, 16, benefit.model_node)
        if node is not None:
            put(sheet, r, 17, most_likely[node], NUMBER)
        scale = f"*{node}/$Q{r}" if node is not None else ""
        money = MONEY if item.line else NUMBER
        for year in layout.years:
            plan = item.plan.get(year)
            if plan is not None:
                put(sheet, r, layout.block(0) + layout.years.index(year), f"={_n(plan)}{scale}" if scale else plan,
                    money)  # fmt: skip
            if year in item.actual:
                put(sheet, r, layout.block(1) + layout.years.index(year), item.actual[year], money)
            actual_cell = f"{layout.column(1, year)}{r}"
            open_plan = item.open_plan.get(year, Decimal(0))
            put(sheet, r, layout.block(2) + layout.years.index(year), f"=N({actual_cell})+{_n(open_plan)}{scale}",
                money)  # fmt: skip
            if item.line == CASH:
                put(sheet, r, layout.block(3) + layout.years.index(year), item.confirmed.get(year, Decimal(0)), MONEY)
                at_risk = layout.block(4) + layout.years.index(year)
                if quarterly:
                    # Quarters stand alone; a year's cells hold the sum the service computed from them.
                    put(sheet, r, at_risk, item.at_risk.get(year, Decimal(0)), MONEY)
                else:
                    plan_cell, confirmed_cell = f"{layout.column(0, year)}{r}", f"{layout.column(3, year)}{r}"
                    starts = f"Appraisal!{layout.year_column(year)}${ROW_STARTS}"
                    shortfall = f"MAX(0,N({plan_cell})-{confirmed_cell})"
                    put(sheet, r, at_risk, f'=IF(AND($M{r}="No",{starts}<={AS_OF}),{shortfall},0)', MONEY)
        first, last = layout.column(2, layout.years[0]), layout.column(2, layout.years[-1])
        put(sheet, r, total_column, f"=SUM({first}{r}:{last}{r})", money)
        _status_cells(sheet, r, total_column + 1, statuses.get(benefit.id or 0))
    last_column = get_column_letter(total_column + len(STATUS_HEADINGS))
    sheet.freeze_panes = "C5"
    sheet.auto_filter.ref = f"A4:{last_column}{layout.last_benefit_row}"
    stages = DataValidation(type="list", formula1='"' + ",".join(stage.value for stage in STAGE_ORDER) + '"')
    routes = DataValidation(type="list", formula1='"cash,capacity,undecided"', allow_blank=True)
    sheet.add_data_validation(stages)
    sheet.add_data_validation(routes)
    stages.add(f"C{FIRST_ROW}:C{layout.last_benefit_row}")
    routes.add(f"E{FIRST_ROW}:E{layout.last_benefit_row}")
    widths(sheet, {1: 6, 2: 44, 8: 28}, default=14, last=total_column + len(STATUS_HEADINGS))
    for_print(sheet, "3:4", "A:B")


# The service's RAG status beside the register's figures: the word, in its colour, then the numbers behind it.
STATUS_HEADINGS = ["Status", "Shortfall against approved baseline", "Since the last review"]
STATUS_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track", "no_baseline": "No baseline",
                "withdrawn": "Withdrawn"}  # fmt: skip
STATUS_FILLS = {"on_track": "DFF0D8", "at_risk": "FCEFC7", "off_track": "F8D7DA"}
TRAVEL_WORDS = {"better": "Better", "worse": "Worse", "same": "Same", "new": "Not rated at a review yet"}


def _status_cells(sheet: Worksheet, r: int, column: int, rated: BenefitStatusRead | None) -> None:
    """A benefit's RAG status as the service judged it at export: its word (coloured), shortfall and direction."""
    if rated is None:
        return
    key = rated.status.value if rated.status is not None else (rated.unrated.value if rated.unrated else "")
    cell = put_text(sheet, r, column, STATUS_WORDS.get(key, ""))
    if key in STATUS_FILLS:
        cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[key])
    if rated.shortfall_share is not None:
        put(sheet, r, column + 1, rated.shortfall_share, SHARE)
    put_text(sheet, r, column + 2, TRAVEL_WORDS[rated.direction.value] if rated.direction else "")


def _n(value: Decimal) -> str:
    """A decimal written into a formula exactly."""
    return format(value.normalize(), "f") if value else "0"


def _label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _costs_sheet(
    sheet: Worksheet, lines: list[tuple[costs.CostLine, list[costs.CostAmount]]], layout: Layout, initiative: Initiative
) -> None:
    title(sheet, "Costs", "Amounts by financial year, and with the optimism-bias uplift as a formula.")
    header_row(sheet, 4, ["Id", "Title", "Kind", "Cost centre", "Optimism bias"])
    header_row(sheet, 4, [f"Amount {_label(year)}" for year in layout.years], 6)
    uplifted_first = layout.cost_uplifted_first
    header_row(sheet, 4, [f"With uplift {_label(year)}" for year in layout.years], uplifted_first)
    for index, (line, amounts) in enumerate(lines):
        r = FIRST_ROW + index
        put(sheet, r, 1, line.id)
        put_text(sheet, r, 2, line.title)
        put_text(sheet, r, 3, line.kind.value)
        put_text(sheet, r, 4, line.cost_centre)
        put(sheet, r, 5, line.optimism_bias, SHARE)
        by_year: dict[int, Decimal] = defaultdict(Decimal)
        for amount in amounts:
            by_year[parse_period(amount.period).start_year] += amount.amount
        for position, year in enumerate(layout.years):
            if year in by_year:
                put(sheet, r, 6 + position, by_year[year], MONEY)
            amount_cell = f"{get_column_letter(6 + position)}{r}"
            put(sheet, r, uplifted_first + position, f"=N({amount_cell})*(1+$E{r})", MONEY)
    sheet.freeze_panes = "C5"
    sheet.auto_filter.ref = f"A4:{get_column_letter(uplifted_first + len(layout.years) - 1)}{layout.last_cost_row}"
    widths(sheet, {1: 6, 2: 40}, default=14, last=uplifted_first + len(layout.years))
    for_print(sheet, "4:4", "A:B")


def _appraisal_sheet(
    sheet: Worksheet, appraised: AppraisalRead, layout: Layout, bands: tuple, initiative: Initiative
) -> None:
    title(sheet, "Appraisal", f"Base year {appraised.base_year}; discount schedule {appraised.discount_schedule}.")
    first, last = layout.year_column(layout.years[0]), layout.year_column(layout.years[-1])
    labels = {
        ROW_PERIOD: "Period", ROW_YEAR: "Year", ROW_STARTS: "Starts", ROW_CASH: "Cash-releasing",
        ROW_CAPACITY: "Capacity", ROW_UNDECIDED: "Undecided", ROW_NON_CASH: "Non-cash (monetised)",
        ROW_BENEFITS: "Benefits", ROW_COSTS: "Costs (with optimism bias)", ROW_NET: "Net",
        ROW_RATE: "Discount rate", ROW_FACTOR: "Discount factor", ROW_PV: "Present value",
        ROW_CUMULATIVE: "Cumulative present value", ROW_FIN_NET: "Financial net (cash less costs)",
        ROW_FIN_PV: "Financial present value", ROW_FIN_CUMULATIVE: "Financial cumulative",
        ROW_FIN_DISCOUNTED: "Financial cumulative, discounted", ROW_PAYS_BACK: "Paid back for good",
        ROW_PAYS_BACK_DISCOUNTED: "Paid back for good, discounted",
    }  # fmt: skip
    for row, text in labels.items():
        put_text(sheet, row, 1, text)
    header_row(sheet, ROW_PERIOD, ["Period"] + [_label(year) for year in layout.years])
    band_first, band_last = ROW_BANDS + 1, ROW_BANDS + len(bands)
    from_years = f"$A${band_first}:$A${band_last}"
    rates = f"$B${band_first}:$B${band_last}"
    cost_first = layout.cost_uplifted_first
    for position, year in enumerate(layout.years):
        c = layout.year_column(year)
        previous = get_column_letter(1 + position)
        base = _first_year(appraised.base_year)
        put(sheet, ROW_YEAR, 2 + position, year - base)
        put(sheet, ROW_STARTS, 2 + position, date(year, initiative.fy_start_month, 1)).number_format = "yyyy-mm-dd"

        def by_line(line: str, year: int = year) -> str:
            forecast = layout.benefit_range(layout.column(2, year))
            return f'=SUMPRODUCT(({layout.benefit_range("N")}="{line}")*{layout.benefit_range("O")}*{forecast})'

        for row, line in ((ROW_CASH, CASH), (ROW_CAPACITY, CAPACITY), (ROW_UNDECIDED, UNDECIDED),
                          (ROW_NON_CASH, NON_CASH)):  # fmt: skip
            put(sheet, row, 2 + position, by_line(line), MONEY)
        put(sheet, ROW_BENEFITS, 2 + position, f"=SUM({c}{ROW_CASH}:{c}{ROW_NON_CASH})", MONEY)
        uplifted = get_column_letter(cost_first + position)
        put(sheet, ROW_COSTS, 2 + position,
            f"=SUM(Costs!${uplifted}${FIRST_ROW}:${uplifted}${layout.last_cost_row})", MONEY)  # fmt: skip
        put(sheet, ROW_NET, 2 + position, f"={c}{ROW_BENEFITS}-{c}{ROW_COSTS}", MONEY)
        put(sheet, ROW_RATE, 2 + position, f'=IF({c}{ROW_YEAR}>=1,LOOKUP({c}{ROW_YEAR},{from_years},{rates}),"")',
            SHARE)  # fmt: skip
        # Year 0 is undiscounted; each later year divides by (1 + its rate); earlier years compound forward.
        growth = f"(1+LOOKUP(1,{from_years},{rates}))^(-{c}{ROW_YEAR})"
        factor = (
            f"=IF({c}{ROW_YEAR}<0,{growth},IF({c}{ROW_YEAR}=0,1,{previous}{ROW_FACTOR}/(1+{c}{ROW_RATE})))"
            if position
            else f"=IF({c}{ROW_YEAR}<0,{growth},1)"
        )
        put(sheet, ROW_FACTOR, 2 + position, factor, FACTOR)
        put(sheet, ROW_PV, 2 + position, f"={c}{ROW_NET}*{c}{ROW_FACTOR}", MONEY)
        put(sheet, ROW_CUMULATIVE, 2 + position, f"=SUM(${first}{ROW_PV}:{c}{ROW_PV})", MONEY)
        put(sheet, ROW_FIN_NET, 2 + position, f"={c}{ROW_CASH}-{c}{ROW_COSTS}", MONEY)
        put(sheet, ROW_FIN_PV, 2 + position, f"={c}{ROW_FIN_NET}*{c}{ROW_FACTOR}", MONEY)
        put(sheet, ROW_FIN_CUMULATIVE, 2 + position, f"=SUM(${first}{ROW_FIN_NET}:{c}{ROW_FIN_NET})", MONEY)
        put(sheet, ROW_FIN_DISCOUNTED, 2 + position, f"=SUM(${first}{ROW_FIN_PV}:{c}{ROW_FIN_PV})", MONEY)
        # Paid back in the first year after which the cumulative never goes negative again.
        for row, source in ((ROW_PAYS_BACK, ROW_FIN_CUMULATIVE), (ROW_PAYS_BACK_DISCOUNTED, ROW_FIN_DISCOUNTED)):
            put(sheet, row, 2 + position, f'=IF(COUNTIF({c}{source}:${last}${source},"<0")=0,1,0)')

    def across(row: int) -> str:
        return f"${first}${row}:${last}${row}"

    def discounted(row: int) -> str:
        return f"=SUMPRODUCT({across(row)},{across(ROW_FACTOR)})"

    def paid_back(row: int) -> str:
        return f'=IFERROR(INDEX({across(ROW_PERIOD)},MATCH(1,{across(row)},0)),"none")'

    economic, financial = ROW_ECONOMIC, ROW_FINANCIAL
    results: dict[int, tuple[str, str | None, str | None]] = {
        economic: ("Economic case", None, None),
        economic + 1: ("Present value of benefits", discounted(ROW_BENEFITS), MONEY),
        economic + 2: ("Present value of costs", discounted(ROW_COSTS), MONEY),
        economic + 3: ("Net present value", f"=B{economic + 1}-B{economic + 2}", MONEY),
        economic + 4: ("Benefit-cost ratio", f'=IF(B{economic + 2}=0,"",B{economic + 1}/B{economic + 2})', "0.00"),
        financial: ("Financial case", None, None),
        financial + 1: ("Present value of cash-releasing benefits", discounted(ROW_CASH), MONEY),
        financial + 2: ("Present value of costs", f"=B{economic + 2}", MONEY),
        financial + 3: ("Net present value", f"=B{financial + 1}-B{financial + 2}", MONEY),
        financial + 4: ("Internal rate of return", f'=IFERROR(IRR({across(ROW_FIN_NET)}),"")', SHARE),
        financial + 5: ("Payback period", paid_back(ROW_PAYS_BACK), None),
        financial + 6: ("Discounted payback period", paid_back(ROW_PAYS_BACK_DISCOUNTED), None),
    }
    for row, (text, formula, number_format) in results.items():
        put_text(sheet, row, 1, text)
        if formula is not None:
            put(sheet, row, 2, formula, number_format)
    header_row(sheet, ROW_BANDS, ["From year", "Rate"])
    for index, band in enumerate(bands):
        put(sheet, band_first + index, 1, band.first_year)
        put(sheet, band_first + index, 2, band.rate, "0.00%")
    sheet.freeze_panes = "B5"
    widths(sheet, {1: 38}, default=15, last=1 + len(layout.years))
    for_print(sheet, "4:4", "A:A")


def _baselines_sheet(sheet: Worksheet, rows: list[BenefitRow], layout: Layout) -> None:
    """Every baseline ever approved, one row a version: none is replaced, so variance has both ends."""
    title(sheet, "Baselines", "Each approved baseline by financial year: the first approval and every re-baseline.")
    heads = ["Id", "Title", "Version", "Kind", "In force", "Approved by", "Approved on", "Reason"]
    header_row(sheet, 4, heads + [_label(year) for year in layout.years] + ["Total"])
    r = FIRST_ROW
    for item in rows:
        benefit = item.benefit
        by_version: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for row in benefit.baseline_rows:
            year = row.sort_key // 10
            by_version[row.version][year] = by_version[row.version].get(year, Decimal(0)) + (row.planned or 0)
        for version in benefit.baseline_versions:
            texts = [str(benefit.id), benefit.title, "", version.kind.value,
                     "Yes" if version.version == benefit.baseline_version else "No", version.approved_by,
                     f"{version.approved_at:%Y-%m-%d}", version.reason or ""]  # fmt: skip
            for column, text in enumerate(texts, start=1):
                put_text(sheet, r, column, text)
            put(sheet, r, 1, benefit.id)
            put(sheet, r, 3, version.version)
            amounts = by_version[version.version]
            money = MONEY if item.line else NUMBER
            for index, year in enumerate(layout.years):
                if year in amounts:
                    put(sheet, r, len(heads) + 1 + index, amounts[year], money)
            first = get_column_letter(len(heads) + 1)
            last = get_column_letter(len(heads) + len(layout.years))
            periods = [row.planned for row in benefit.baseline_rows if row.version == version.version]
            size = (
                # A level is never summed: its size is the last level approved.
                profile_size(periods, benefit.measured_as)
                if benefit.measured_as == MeasuredAs.level
                else f"=SUM({first}{r}:{last}{r})"
            )
            put(sheet, r, len(heads) + len(layout.years) + 1, size, money)
            r += 1
    sheet.freeze_panes = "C5"
    widths(sheet, {1: 6, 2: 44, 8: 40}, default=14, last=len(heads) + len(layout.years) + 1)
    for_print(sheet, "3:4", "A:B")


def _capacity_columns(sheet: Worksheet, layout: Layout, years: dict[str, YearRoutes]) -> None:
    """Capacity confirmed as redeployed, and not yet redeployed, beside the cash columns (the service's figures)."""
    header_row(sheet, 4, ["Capacity redeployed", "Not yet redeployed"], 7)
    for index, year in enumerate(layout.years):
        found = years.get(_label(year))
        put(sheet, FIRST_ROW + index, 7, found.capacity_redeployed if found else Decimal(0), MONEY)
        put(sheet, FIRST_ROW + index, 8, found.capacity_not_redeployed if found else Decimal(0), MONEY)
    total = FIRST_ROW + len(layout.years)
    for column in (7, 8):
        letter = get_column_letter(column)
        put(sheet, total, column, f"=SUM({letter}{FIRST_ROW}:{letter}{total - 1})", MONEY)


def _cash_sheet(sheet: Worksheet, layout: Layout) -> None:
    title(sheet, "Cash v capacity", "Financial benefits by year and route, and by year, stage and route.")
    header_row(sheet, 4, ["Year", "Cash-releasing", "Capacity", "Undecided", "Cash confirmed", "Cash at risk"])
    financial = f'({layout.benefit_range("D")}="financial")'
    for index, year in enumerate(layout.years):
        r = FIRST_ROW + index
        forecast = layout.benefit_range(layout.column(2, year))
        put_text(sheet, r, 1, _label(year))
        for offset, route in enumerate((CASH, CAPACITY, UNDECIDED)):
            formula = (
                f'=SUMPRODUCT({financial}*({layout.benefit_range("N")}="{route}")'
                f"*{layout.benefit_range('O')}*{forecast})"
            )
            put(sheet, r, 2 + offset, formula, MONEY)
        put(sheet, r, 5, f"=SUM({layout.benefit_range(layout.column(3, year))})", MONEY)
        put(sheet, r, 6, f"=SUM({layout.benefit_range(layout.column(4, year))})", MONEY)
    total = FIRST_ROW + len(layout.years)
    put_text(sheet, total, 1, "Total")
    for column in range(2, 7):
        letter = get_column_letter(column)
        put(sheet, total, column, f"=SUM({letter}{FIRST_ROW}:{letter}{total - 1})", MONEY)
    start = total + 3
    header_row(sheet, start, ["Year", "Stage", "Cash-releasing", "Capacity", "Undecided"])
    r = start + 1
    for year in layout.years:
        forecast = layout.benefit_range(layout.column(2, year))
        for stage in STAGE_ORDER:
            put_text(sheet, r, 1, _label(year))
            put_text(sheet, r, 2, stage.value)
            for offset, route in enumerate((CASH, CAPACITY, UNDECIDED)):
                formula = (
                    f"=SUMPRODUCT({financial}*({layout.benefit_range('C')}=$B{r})"
                    f'*({layout.benefit_range("N")}="{route}")*{layout.benefit_range("O")}*{forecast})'
                )
                put(sheet, r, 3 + offset, formula, MONEY)
            r += 1
    sheet.freeze_panes = "B5"
    sheet.auto_filter.ref = f"A{start}:E{r - 1}"
    widths(sheet, {1: 12, 2: 14}, default=18, last=6)
    for_print(sheet, "4:4")


def _pipeline_sheet(sheet: Worksheet, layout: Layout, weights: dict[str, float]) -> None:
    title(sheet, "Pipeline", "Monetised benefits by stage: the forecast over every year, unweighted and weighted.")
    header_row(sheet, 4, ["Stage", "Benefits", "Forecast", "Weight", "Weighted forecast"])
    total = layout.benefit_range(get_column_letter(layout.block(5)))
    for index, stage in enumerate(STAGE_ORDER):
        r = FIRST_ROW + index
        put_text(sheet, r, 1, stage.value)
        put(sheet, r, 2, f"=COUNTIF({layout.benefit_range('C')},A{r})")
        put(sheet, r, 3, f'=SUMPRODUCT(({layout.benefit_range("C")}=A{r})*({layout.benefit_range("N")}<>"")'
                         f'*{layout.benefit_range("O")}*{total})', MONEY)  # fmt: skip
        put(sheet, r, 4, weights[stage.value], SHARE)
        put(sheet, r, 5, f"=C{r}*D{r}", MONEY)
    r = FIRST_ROW + len(STAGE_ORDER)
    put_text(sheet, r, 1, "Total")
    for column in ("B", "C", "E"):
        put(sheet, r, " BCDE".index(column) + 1, f"=SUM({column}{FIRST_ROW}:{column}{r - 1})",
            None if column == "B" else MONEY)  # fmt: skip
    widths(sheet, {1: 14}, default=18, last=5)
    for_print(sheet, "4:4")


def _summary_sheet(
    book: Workbook, sheet: Worksheet, initiative: Initiative, appraised: AppraisalRead, layout: Layout, day: date
) -> None:
    title(sheet, f"Business case: {initiative.name}")
    facts = [
        ("Initiative", initiative.name), ("Owner", initiative.owner), ("Sponsor", initiative.sponsor),
        ("Start", initiative.start_date), ("End", initiative.end_date), ("Base year", appraised.base_year),
        ("Discount schedule", appraised.discount_schedule), ("As of", day),
    ]  # fmt: skip
    for index, (label, value) in enumerate(facts):
        r = 3 + index
        put_text(sheet, r, 1, label)
        if isinstance(value, date):
            put(sheet, r, 2, value).number_format = "yyyy-mm-dd"
        else:
            put_text(sheet, r, 2, value)
    cash_total = f"Appraisal!$B${ROW_CASH}:${layout.year_column(layout.years[-1])}${ROW_CASH}"
    capacity_total = f"Appraisal!$B${ROW_CAPACITY}:${layout.year_column(layout.years[-1])}${ROW_CAPACITY}"
    at_risk = [layout.benefit_range(layout.column(4, year)) for year in layout.years]
    figures = [
        ("Economic net present value", f"=Appraisal!B{ROW_ECONOMIC + 3}", MONEY),
        ("Benefit-cost ratio", f"=Appraisal!B{ROW_ECONOMIC + 4}", "0.00"),
        ("Financial net present value", f"=Appraisal!B{ROW_FINANCIAL + 3}", MONEY),
        ("Internal rate of return", f"=Appraisal!B{ROW_FINANCIAL + 4}", SHARE),
        ("Payback period", f"=Appraisal!B{ROW_FINANCIAL + 5}", None),
        ("Discounted payback period", f"=Appraisal!B{ROW_FINANCIAL + 6}", None),
        ("Cash-releasing benefits (all years)", f"=SUM({cash_total})", MONEY),
        ("Capacity benefits (all years)", f"=SUM({capacity_total})", MONEY),
        ("Cash at risk", "=" + "+".join(f"SUM({cells})" for cells in at_risk), MONEY),
    ]
    header_row(sheet, 12, ["Key figure", "Value"])
    for index, (label, formula, number_format) in enumerate(figures):
        put_text(sheet, 13 + index, 1, label)
        put(sheet, 13 + index, 2, formula, number_format)
    chart = BarChart()
    chart.title = "Benefits and costs by year"
    chart.y_axis.title = "GBP"
    appraisal_sheet = book["Appraisal"]
    last = 1 + len(layout.years)
    for row in (ROW_BENEFITS, ROW_COSTS):
        chart.add_data(Reference(appraisal_sheet, min_col=1, max_col=last, min_row=row, max_row=row),
                       from_rows=True, titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(appraisal_sheet, min_col=2, max_col=last, min_row=ROW_PERIOD, max_row=ROW_PERIOD))
    chart.width, chart.height = 22, 10
    sheet.add_chart(chart, "D3")
    widths(sheet, {1: 36, 2: 28})
    for_print(sheet)


NOTES = [
    ("Summary", "Key figures are formulas over the Appraisal, Benefits and Cash v capacity sheets; 'As of' is the "
                "export date, which decides which periods have started (cash at risk)."),
    ("Assumptions", "Each most-likely value is a defined name with the assumption's name. Change one and every "
                    "formula downstream recomputes."),
    ("Model", "Each derived node is the model's own formula, written for the spreadsheet; P10, P50 and P90 are "
              "the service's Monte Carlo results at export, as values."),
    ("Benefits", "Live benefits only. Plan and actual are the register's figures summed into financial years. A "
                 "benefit valued by a model node has its plan made at the node's most-likely value (column Q), so "
                 "its plan is a formula scaled by the node's current value over that; actuals are facts and do not "
                 "scale. Forecast = actuals where recorded, plan otherwise. Sign is -1 for dis-benefits."),
    ("Benefits", "Status: the service's RAG status at export, from the forecast (actuals where recorded, plan "
                 "otherwise) over the approved baseline's years against that baseline, by the portfolio's thresholds; "
                 "a level compares its last level. Shortfall is a share of the baseline (negative when ahead); "
                 "'Since the last review' compares it with the last board review's snapshot."),
    ("Benefits", "Cash at risk: planned cash not confirmed by finance for a period that had started by 'As of'. "
                 "For initiatives profiled by quarter each year holds the service's sum over its quarters."),
    ("Costs", "Amounts as entered, and with the optimism-bias uplift: amount x (1 + uplift)."),
    ("Appraisal", "Benefits by appraisal line are SUMPRODUCTs over the Benefits sheet's forecast; the discount "
                  "factor of year 0 is 1, of each later year the previous one divided by (1 + that year's rate from "
                  "the bands below); years before year 0 compound forward at the year-1 rate. Economic: all monetised "
                  "benefits; financial: cash-releasing only. Payback: the first year after which the cumulative "
                  "financial net never goes negative again."),
    ("Baselines", "Every approved baseline, one row a version: baseline 1 from the first move to planned, and each "
                  "re-baseline after it, with who approved it, when and why. None is ever replaced; 'In force' marks "
                  "the one variance is measured against, beside the original. A level's total is its last level."),
    ("Cash v capacity", "Financial benefits' forecast by route, year and stage, and cash confirmed and at risk; "
                        "capacity confirmed as redeployed, and planned capacity of started years not yet "
                        "redeployed (the service's figures as of the export date)."),
    ("Pipeline", "Monetised forecast by stage, weighted by the portfolio's stage weights."),
]  # fmt: skip


def _notes_sheet(sheet: Worksheet) -> None:
    title(sheet, "Notes", "Where each figure comes from.")
    header_row(sheet, 4, ["Sheet", "How its figures are made"])
    for index, (name, text) in enumerate(NOTES):
        put_text(sheet, 5 + index, 1, name)
        put_text(sheet, 5 + index, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    widths(sheet, {1: 18, 2: 120})


DEMAND_MONTHS = 12  # the sheet's span: the last year of counts, as a bound assumption takes by default


def _demand_sheet(session: Session, book: Workbook, sheet: Worksheet, initiative_id: int) -> None:
    """The organisation's contacts of the last 12 counted months by service, channel and demand type; the avoidable
    share and cost to serve as formulas over them; and each bound assumption as a formula over the same counts."""
    last = demand.summary(session=session, where=demand.DemandFilter()).last_month
    title(sheet, "Demand", "The contacts behind the business case: the organisation's counts, every service and "
                           "channel, over the last 12 counted months.")  # fmt: skip
    if last is None:
        put_text(sheet, 4, 1, "No contacts are counted yet.")
        return
    first = demand.month_start(demand.month_key(last) - DEMAND_MONTHS + 1)
    where = demand.DemandFilter(from_month=first, to_month=last)
    service = demand.summary(session=session, where=where)
    first = service.first_month or first
    months = demand.month_key(last) - demand.month_key(first) + 1
    span = f"the {months} months {first:%B %Y} to {last:%B %Y}"
    put_text(sheet, 2, 1, f"The contacts behind the business case: the organisation's counts over {span}, every "
                          "service and channel (the Demand page and the API give the same figures).")  # fmt: skip
    counts = demand.counts_by_service_channel_type(session=session, where=where)
    kinds: list[DemandType] = [
        entry for entry in demand.list_references(session=session, kind=demand.ReferenceList.demand_types)
        if isinstance(entry, DemandType) and any(row[2] == entry.code for row in counts)
    ]  # fmt: skip
    kinds.sort(key=lambda entry: (entry.avoidable, entry.name))
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for service_code, channel_code, kind_code, contacts in counts:
        cells[(service_code, channel_code)][kind_code] = contacts
    channel_codes = [figures.channel for figures in service.channels]

    # Figures first (rows 4-8), then the channels, the bound assumptions, and the counts at the foot.
    channels_row = 11
    bound = demand.bindings(session=session, initiative_id=initiative_id)
    bound_row = channels_row + len(channel_codes) + 3
    table_row = bound_row + max(len(bound), 1) + 4  # the counts' heading row; the avoidable flags sit above it
    first_data, last_data = table_row + 1, table_row + max(len(cells), 1)
    type_first = 3
    avoidable_column = get_column_letter(type_first + len(kinds))
    total_column = get_column_letter(type_first + len(kinds) + 1)
    cost_column = get_column_letter(type_first + len(kinds) + 2)

    def whole(column: str) -> str:
        return f"${column}${first_data}:${column}${last_data}"

    header_row(sheet, 4, ["Figure", "Value", "How it is made"])
    figures = [
        ("All contacts", f"=SUM({whole(total_column)})", WHOLE, "Every contact counted over the months."),
        ("Avoidable contacts", f"=SUM({whole(avoidable_column)})", WHOLE, "Contacts of the demand types marked "
                                                                           "avoidable (1 in the flag row)."),
        ("Avoidable share", "=IF(B5=0,\"\",B6/B5)", SHARE, demand.AVOIDABLE_SHARE_DEFINITION),
        ("Cost to serve (GBP)", f"=SUMPRODUCT({whole(total_column)},{whole(cost_column)})", MONEY,
         "Each service and channel's contacts at its channel's cost per contact (the sum of the products)."),
    ]  # fmt: skip
    for index, (label, formula, number_format, how) in enumerate(figures):
        put_text(sheet, 5 + index, 1, label)
        put(sheet, 5 + index, 2, formula, number_format)
        put_text(sheet, 5 + index, 3, how).alignment = Alignment(wrap_text=True, vertical="top")
    uncosted = ", ".join(service.uncosted_channels)
    put_text(sheet, 9, 1, "Channels with no cost per contact kept")
    put_text(sheet, 9, 2, uncosted or "none")
    put_text(sheet, 9, 3, "Their contacts are counted at no cost: the service gives no cost to serve over them "
                          "until a cost per contact is kept for each." if uncosted else "")  # fmt: skip

    header_row(sheet, channels_row, ["Channel", "Cost per contact (GBP)", "Contacts", "Share of contacts",
                                     "Cost to serve (GBP)"])  # fmt: skip
    cost_cell: dict[str, str] = {}
    for index, figures_of in enumerate(service.channels):
        r = channels_row + 1 + index
        put_text(sheet, r, 1, figures_of.channel)
        if figures_of.cost is not None and figures_of.contacts:
            # The cost in force in each month, weighted by its contacts: the cost kept when it did not change.
            put(sheet, r, 2, figures_of.cost / figures_of.contacts, MONEY)
        put(sheet, r, 3, f"=SUMIF({whole('B')},A{r},{whole(total_column)})", WHOLE)
        put(sheet, r, 4, f'=IF($B$5=0,"",C{r}/$B$5)', SHARE)
        put(sheet, r, 5, f"=B{r}*C{r}", MONEY)
        cost_cell[figures_of.channel] = f"$B${r}"
    put_text(sheet, channels_row + len(channel_codes) + 1, 1,
             "Cost per contact: the organisation's figure in force in each month, weighted by that month's contacts "
             "where it changed within the months.")  # fmt: skip

    header_row(sheet, bound_row, ["Assumption", "Figure", "Services", "Channels", "From the counts",
                                  "In the model (Assumptions sheet)", "Where the model's value came from"])  # fmt: skip
    if not bound:
        put_text(sheet, bound_row + 1, 1, "No assumption of this initiative is bound to demand.")
    for index, binding in enumerate(bound):
        r = bound_row + 1 + index
        put_text(sheet, r, 1, binding.assumption)
        put_text(sheet, r, 2, demand.FIGURE_WORDS[binding.figure])
        put_text(sheet, r, 3, ", ".join(binding.services) or "all")
        put_text(sheet, r, 4, ", ".join(binding.channels) or "all")
        view = demand.binding_view(session=session, binding=binding)
        live = _bound_formula(binding, whole, avoidable_column, total_column, cost_column)
        number_format = SHARE if binding.figure is DemandFigure.avoidable_share else NUMBER
        if live is not None and view.span == span and view.value is not None:
            put(sheet, r, 5, live, number_format)
            came = f"Refreshed from these counts over {span}; 'From the counts' recomputes it live."
        else:
            put(sheet, r, 5, view.value, number_format)
            came = (
                f"Refreshed from the counts over {view.span}, months this table does not hold: 'From the counts' "
                "is the service's figure, as a value."
            )
        if binding.assumption in book.defined_names:
            put(sheet, r, 6, f"={binding.assumption}", number_format)
        put_text(sheet, r, 7, came)

    for index, kind in enumerate(kinds):
        put(sheet, table_row - 1, type_first + index, 1 if kind.avoidable else 0)
    put_text(sheet, table_row - 1, 2, "Avoidable (1) or not (0)")
    header_row(sheet, table_row, ["Service", "Channel", *(kind.name for kind in kinds), "Avoidable", "All contacts",
                                  "Cost per contact (GBP)"])  # fmt: skip
    flags = f"${get_column_letter(type_first)}${table_row - 1}:${get_column_letter(type_first + len(kinds) - 1)}" \
            f"${table_row - 1}"  # fmt: skip
    for index, ((service_code, channel_code), by_kind) in enumerate(sorted(cells.items())):
        r = first_data + index
        put_text(sheet, r, 1, service_code)
        put_text(sheet, r, 2, channel_code)
        for offset, kind in enumerate(kinds):
            put(sheet, r, type_first + offset, by_kind.get(kind.code, 0), WHOLE)
        row_types = f"{get_column_letter(type_first)}{r}:{get_column_letter(type_first + len(kinds) - 1)}{r}"
        put(sheet, r, type_first + len(kinds), f"=SUMPRODUCT({flags},{row_types})", WHOLE)
        put(sheet, r, type_first + len(kinds) + 1, f"=SUM({row_types})", WHOLE)
        if channel_code in cost_cell and sheet[cost_cell[channel_code].replace("$", "")].value is not None:
            put(sheet, r, type_first + len(kinds) + 2, f"={cost_cell[channel_code]}", MONEY)
    sheet.freeze_panes = f"C{first_data}"
    sheet.auto_filter.ref = f"A{table_row}:{cost_column}{last_data}"
    widths(sheet, {1: 36, 2: 22, 3: 60}, default=16, last=type_first + len(kinds) + 2)
    for_print(sheet)


def _bound_formula(
    binding: DemandAssumption, whole: Callable[[str], str], avoidable: str, total: str, cost: str
) -> str | None:
    """The bound figure as a formula over the counts table (None for handling minutes, which it does not hold)."""
    terms = []
    for column, codes in (("A", binding.services), ("B", binding.channels)):
        if codes:
            either = "+".join(f'({whole(column)}="{code}")' for code in codes)
            terms.append(either if len(codes) == 1 else f"(({either})>0)")
    if binding.segments:
        return None  # the table sums over segments
    chosen = "*".join(terms) or "1"

    def total_of(column: str) -> str:
        # Multiplied, not passed as arrays: SUMPRODUCT counts TRUE as 0 in Excel unless arithmetic coerces it.
        return f"SUMPRODUCT({chosen}*{whole(column)})" if terms else f"SUM({whole(column)})"

    if binding.figure is DemandFigure.contacts:
        return f"={total_of(total)}*12/{binding.months}"
    if binding.figure is DemandFigure.avoidable_contacts:
        return f"={total_of(avoidable)}*12/{binding.months}"
    if binding.figure is DemandFigure.avoidable_share:
        return f"={total_of(avoidable)}/{total_of(total)}"
    if binding.figure is DemandFigure.cost_to_serve:
        return f"=SUMPRODUCT({chosen}*{whole(total)}*{whole(cost)})*12/{binding.months}"
    return None
