"""A check the running-server fuzz adds to schemathesis's own: a schema-valid request refused with 422 must be
refused only by a rule that JSON Schema cannot write, each listed here with the reason it cannot."""

from typing import Any

import schemathesis

_MODEL = "the model's own rules: names, formulas and links are checked against the model's grammar and each other"
_MODEL_RULES = (
    "name_invalid", "name_repeated", "syntax_error", "too_deep", "too_long", "wrong_arguments", "unknown_name",
    "not_quantitative", "unknown_node", "cycle", "value_missing", "value_on_qualitative", "value_on_derived",
    "formula_on_assumption", "formula_missing", "scenario_repeated", "unknown_assumption", "unknown_output",
    "not_computable", "number_too_large", "valuation_too_large", "too_many_samples", "too_many_scenarios",
)  # fmt: skip
BEYOND_THE_SCHEMA = {
    # A file's content: the document can say a part is binary, not that it is a workbook.
    "not_a_workbook": "an upload's content, which no schema can describe",
    "headings_missing": "an upload's content, which no schema can describe",
    "column_missing": "an upload's content, which no schema can describe",
    **dict.fromkeys(
        (
            "csv_invalid",
            "date_invalid",
            "value_invalid",
            "id_invalid",
            "heading_repeated",
            "row_too_long",
            "too_many_rows",
        ),
        "an upload's content (a workbook's cells, a CSV's lines), which no schema can describe",
    ),
    # One field against another, or one row against another, in the same body.
    "end_before_start": "one field against another (a start before its end)",
    "range_inverted": "one field against another (from before to)",
    "estimate_order": "one field against another (low <= likely <= high)",
    "estimate_from_model": "one field against another (no typed estimate where a model node values the benefit)",
    "period_repeated": "one row against another (each period once)",
    "range_invalid": "one field against another (low <= high)",
    "thresholds_out_of_order": "one field against another (on track within less than at risk within)",
    "value_outside_range": "one field against another (low <= value <= high)",
    "range_incomplete": "one field against another (a low and a high, or neither)",
    "route_not_financial": "one field against another (a route only for a financial benefit)",
    "date_repeated": "one row against another (one observation a date)",
    "budget_repeated": "one row against another (one budget a cost centre and year)",
    "unit_not_money": "one field against another, sent or stored (a financial benefit is valued in pounds)",
    "level_not_money": "one field against another, sent or stored (a level is not a financial benefit)",
    "aggregate_not_for_levels": "what is stored decides (a level benefit takes the mean of its measure)",
    # What is stored decides, where a refusal lists it beside problems in what was sent, so that every problem in
    # a register or a profile is named at once (all or nothing); alone, such a refusal is 409.
    "period_granularity": "what is stored decides (the initiative profiles by year or by quarter)",
    "cost_centre_unknown": "what is stored decides (the list of cost centres)",
    "unknown_segment": "what is stored decides (the list of customer segments a filter names)",
    "cost_centre_inactive": "what is stored decides (whether the cost centre is still active)",
    "value_out_of_range": "what is stored decides (observations times the multiplier beyond the bounds)",
    "assumption_missing": "what is stored decides (whether the measure is linked to a node)",
    "not_an_assumption": "what is stored decides (the model's assumptions)",
    "node_in_use": "what is stored decides (benefits valued by the node)",
    "negative_value": "what is stored decides (whether the benefit is measured as a level, which may fall below 0)",
    "multiplier_required": "what is stored decides (the measure's unit against the benefit's)",
    "too_few_points": "what is stored decides (how many observations the measure has)",
    # A whole model: every node's name, formula and links, checked together.
    **dict.fromkeys(_MODEL_RULES, _MODEL),
}


def _codes(body: Any) -> set[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return {str(error.get("code")) for error in errors or [] if isinstance(error, dict)} or {"(none given)"}


@schemathesis.check
def refused_only_by_rules_beyond_the_schema(ctx: Any, response: Any, case: Any) -> None:
    """A schema-valid request answered 422 names only problems the document cannot rule out."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    unexplained = sorted(_codes(body) - set(BEYOND_THE_SCHEMA))
    if unexplained:
        raise AssertionError(
            f"A schema-valid request was refused for {', '.join(unexplained)}, which the document could have said"
        )
