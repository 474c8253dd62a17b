"""The demand commands: reference lists kept and a contact export loaded from the command line, all or nothing."""

from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session

from benefits import demand
from benefits.cli import main
from benefits.db import make_engine


def test_lists_and_an_export_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(main, ["demand", "add", "services", "council_tax", "Council tax"])
    assert added.exit_code == 0, added.output
    assert "Added council_tax (Council tax) to services" in added.output
    typed = runner.invoke(
        main, ["demand", "add", "demand-types", "chasing_payment", "Chasing a payment", "--avoidable"]
    )
    assert typed.exit_code == 0, typed.output
    listed = runner.invoke(main, ["demand", "list", "demand-types"])
    assert "chasing_payment          Chasing a payment  avoidable" in listed.output
    assert "value                    Value demand  value" in listed.output
    taken = runner.invoke(main, ["demand", "add", "services", "council_tax", "Council tax again"])
    assert taken.exit_code == 1 and "already on the list" in taken.output

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Period,Service,Channel,Type,Count\n2026-04-01,Council tax,Phone,Value demand,5\n"
        "2026-04-01,Parking,Phone,Value demand,5\n2026-04-01,Council tax,Fax,Value demand,5\n"
        "2026-04-01,Council tax,Web,Chasing a payment,-1\n"
    )
    refused = runner.invoke(main, ["demand", "import", str(bad)])
    assert refused.exit_code == 1
    for named in ("row 3, Service", "row 4, Channel", "row 5, Count"):
        assert named in refused.output
    good = tmp_path / "good.csv"
    good.write_text(
        "Period,Service,Channel,Type,Count\n2026-04-01,Council tax,Phone,Value demand,5\n"
        "2026-04-01,Council tax,Web,Chasing a payment,3\n"
    )
    for _ in range(2):
        loaded = runner.invoke(main, ["demand", "import", str(good)])
        assert loaded.exit_code == 0, loaded.output
    assert "Loaded: 0 counts added, 2 replaced, 1 months." in loaded.output
    engine = make_engine(database_url)
    with Session(engine) as session:
        summary = demand.summary(session=session, where=demand.DemandFilter())
    engine.dispose()
    assert (summary.contacts, summary.avoidable_contacts) == (8, 3)


def test_a_cost_kept_and_bound_assumptions_refreshed_from_the_command_line(database_url: str) -> None:
    from sqlmodel import select

    from benefits.example import load_example
    from benefits.models import Initiative
    from benefits.models.demand import DemandAssumptionIn, DemandFigure
    from tests.support.factories import TESTER

    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    kept = runner.invoke(main, ["demand", "cost", "email", "1.75", "--from", "2025-04-01", "--source", "Mailbox study"])
    assert kept.exit_code == 0, kept.output
    assert "Kept email: GBP 1.7500 a contact from 2025-04-01 (Mailbox study)" in kept.output
    refused = runner.invoke(main, ["demand", "cost", "pigeon", "1", "--from", "2025-04-01", "--source", "s"])
    assert refused.exit_code == 1 and "There is no channel pigeon" in refused.output
    engine = make_engine(database_url)
    with Session(engine) as session:
        load_example(session=session)
        initiative = session.exec(select(Initiative)).one().id or 0
        fields = DemandAssumptionIn(assumption="failure_demand_share", figure=DemandFigure.avoidable_share)
        demand.bind_assumption(session=session, initiative_id=initiative, fields=fields, actor=TESTER)
        session.commit()
    engine.dispose()
    refreshed = runner.invoke(main, ["demand", "refresh", str(initiative)])
    assert refreshed.exit_code == 0, refreshed.output
    assert "failure_demand_share" in refreshed.output and "November 2025 to October 2026" in refreshed.output
