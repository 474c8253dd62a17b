"""The `benefits` command line: serve, migrate the database, load the worked example, export workbooks."""

import gc
import getpass
import inspect
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr, ValidationError

from benefits.actors import system_actor
from benefits.db import transaction
from benefits.errors import DomainError
from benefits.models import Role
from benefits.settings import get_settings

# Each command imports the rest of what it needs itself: `benefits serve` then starts without the migrations
# (alembic), the worked example or the backup tools, which take a second or more to import and serve no request.


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


OPERATOR = system_actor(f"command line ({_operator()})")


def _fail(error: DomainError) -> None:
    lines = [error.detail, *(f"  {p.field or '-'}: {p.detail}" for p in error.problems)]
    raise click.ClickException("\n".join(lines))


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for long work, told (done, in all) as the work goes; it ends with the block.

    It is drawn only when stderr is a terminal (click's own rule): in a log or a pipe the label is written once,
    rather than a line redrawn a few hundred times.
    """
    with click.progressbar(length=0, label=label, file=sys.stderr, show_pos=True, show_percent=True) as bar:

        def told(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield told


@click.group()
def main() -> None:
    """Benefits-realisation tracker and business-case modeller."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API (docs at /docs)."""
    import uvicorn

    from benefits.logs import logging_config

    settings = get_settings()
    click.echo(f"Serving on http://{host}:{port} (API docs at /docs)")
    _fresh_metrics_dir()
    # uvicorn hands a SIGTERM back to this handler once it has shut down gracefully (one before then stops the
    # start-up): being told to stop and stopping is success, so the command exits 0.
    signal.signal(signal.SIGTERM, _stopped)
    trusted = settings.forwarded_allow_ips
    if workers == 1:
        # The app is imported in this process: its 200,000 objects live as long as the process, and the collector's
        # passes over them while they are made only slow start-up. The app's start-up freezes them and turns the
        # collector back on before the first request. (Each of several workers imports the app in its own process.)
        gc.disable()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Client addresses (which sign-in limits count) come from X-Forwarded-For only behind proxies named here.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # One format from the server, its workers and the service alike; the service writes the access lines.
        log_config=logging_config(log_format=settings.log_format, level=settings.log_level, sql_echo=settings.sql_echo),
        log_level=None,
        access_log=False,
        # On SIGTERM: stop accepting, let the requests in flight finish (up to the grace), then close the pool.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        **_worker_patience(uvicorn.Config),
    )


# A worker imports the service's models and API before it can answer the supervisor's health check: about a
# second alone, several times that while many start on two cores. uvicorn's default of five seconds would kill
# and restart workers that are merely starting.
WORKER_START_SECONDS = 60


def _worker_patience(config: type) -> dict[str, Any]:
    """The workers' health-check timeout, on uvicorn versions that let it be set (0.37 and later)."""
    known = inspect.signature(config).parameters
    return {"timeout_worker_healthcheck": WORKER_START_SECONDS} if "timeout_worker_healthcheck" in known else {}


def _stopped(_signal: int, _frame: object) -> None:
    """Leave now, with every line written: a request cut off at the end of the grace leaves a thread computing
    an answer nobody will receive, which a normal exit would wait for."""
    sys.stdout.flush()
    logging.shutdown()
    os._exit(0)


def _fresh_metrics_dir() -> None:
    """Empty the workers' shared metrics folder (PROMETHEUS_MULTIPROC_DIR), so counts start again with the server."""
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not shared:
        return
    folder = Path(shared)
    folder.mkdir(parents=True, exist_ok=True)
    for left in folder.glob("*.db"):
        left.unlink()


@main.group()
def db() -> None:
    """Migrate the database named by BENEFITS_DATABASE_URL."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from benefits import migrate

    url = get_settings().database_url
    migrate.upgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url)}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (default: one step; `base` for all)."""
    from benefits import migrate

    url = get_settings().database_url
    migrate.downgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url) or 'base'}")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(file: Path) -> None:
    """Copy the whole database to FILE while it serves (SQLite's online backup, or pg_dump)."""
    from benefits import backup

    try:
        backup.backup(url=get_settings().database_url, file=file)
    except DomainError as error:
        _fail(error)
    click.echo(f"Backed up to {file}")


@db.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds tables.")
def db_restore(file: Path, replace: bool) -> None:
    """Put the database back as FILE holds it (into an empty database unless --replace)."""
    from benefits import backup, migrate

    url = get_settings().database_url
    try:
        backup.restore(url=url, file=file, replace=replace)
    except DomainError as error:
        _fail(error)
    click.echo(f"Restored from {file}; database at revision {migrate.current(url) or 'base'}")
    if migrate.current(url) != migrate.head():
        click.echo("The backup is from an older version: run `benefits db upgrade` before serving.")


@main.group()
def example() -> None:
    """The worked example."""


@example.command("load")
def example_load() -> None:
    """Load the council customer-access example with a first admin and its people (once)."""
    from benefits.example import load_example

    settings = get_settings()
    with transaction() as session:
        made = load_example(
            session=session,
            admin_name=settings.admin_name,
            admin_password=settings.admin_password.get_secret_value() if settings.admin_password else None,
            people_password=settings.example_password.get_secret_value() if settings.example_password else None,
        )
    if made is None:
        click.echo("The example is already loaded.")
        return
    click.echo("Loaded the example: the Customer Access Programme. People (passwords shown this once):")
    for person, password in made.people:
        shown = password if password is not None else "(as set in the settings)"
        click.echo(f"  {person.name:<14} {person.role:<18} {shown}")


@main.command()
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to reckon what is due on, YYYY-MM-DD (default: today).",
)
def notify(today: Any) -> None:
    """E-mail each person one digest of what is newly due from them (run it daily; see the README)."""
    from datetime import date

    from benefits import notify as notices
    from benefits.db import get_engine, reading_session
    from benefits.logs import configure_logging

    settings = get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level, sql_echo=settings.sql_echo)
    try:
        server = notices.SmtpServer.from_settings(settings)
    except DomainError as error:
        _fail(error)
    if server is None:
        click.echo("No SMTP server is set (BENEFITS_SMTP_HOST): nothing is sent.")
        return
    day = today.date() if today is not None else date.today()
    # What is due is read in a snapshot that holds no lock, and each accepted digest is kept in a short write of its
    # own: no transaction waits on the mail server, and a digest the server took is not lost to a later failure.
    with reading_session(get_engine()) as session:
        plan = notices.plan_digests(session=session, today=day, grace_days=settings.actuals_grace_days)

    def record(digest: notices.Digest) -> None:
        with transaction() as session:
            notices.record_sent(session=session, digest=digest)

    result = notices.send_digests(plan=plan, server=server, site_url=settings.site_url, record=record)
    skipped = ", ".join(f"{count:,} {reason}" for reason, count in sorted(result.skipped.items()))
    click.echo(
        f"Digests for {day:%Y-%m-%d}: {len(result.sent):,} sent, {len(result.failed):,} failed, "
        f"{sum(result.skipped.values()):,} skipped{f' ({skipped})' if skipped else ''}."
    )
    if result.unowned:
        click.echo(f"{result.unowned:,} due items name nobody to tell: give each an owner (see everyone's work).")
    if result.failed:
        raise click.ClickException(
            f"Not sent to {', '.join(result.failed)}; the log says why. The next run sends them again."
        )


@main.group()
def users() -> None:
    """People and integration accounts."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]), help="What they may do.")
@click.option("--email", default=None, help="Their e-mail address; they may sign in with it.")
@click.option("--password", default=None, help="Their password; asked for when a terminal is attached.")
def users_create(name: str, role: str, email: str | None, password: str | None) -> None:
    """Add a person; without a password (and no terminal) they are an integration that uses tokens only."""
    from benefits import people
    from benefits.models import PersonCreate

    if password is None and sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        fields = PersonCreate.model_validate(
            {"name": name, "role": role, "email": email, "password": SecretStr(password) if password else None}
        )
    except ValidationError as error:
        # Only the messages: the error's own text would repeat the input, password included.
        lines = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise click.ClickException("\n".join(lines)) from None
    try:
        with transaction() as session:
            person = people.create_person(session=session, fields=fields, actor=OPERATOR)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {person.name} ({person.role}), id {person.id}")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--expires-in", "expires_in", type=click.IntRange(1, 3650), default=None, help="Days until it expires.")
def tokens_create(name: str, expires_in: int | None) -> None:
    """Make an API token for the person NAME; the token is printed alone on the last line."""
    from benefits import people
    from benefits.models import ApiTokenCreate

    try:
        with transaction() as session:
            found = people.find_person(session=session, login=name)
            if found is None or found.id is None:
                raise click.ClickException(f"There is no person called {name}.")
            person = found
            issued = people.create_token(
                session=session,
                fields=ApiTokenCreate(person_id=person.id, name="command line", expires_in_days=expires_in),
                actor=OPERATOR,
            )
    except DomainError as error:
        _fail(error)
    expiry = f", expires {issued.record.expires_at:%Y-%m-%d %H:%M} UTC" if issued.record.expires_at else ""
    click.echo(f"Token for {person.name} ({person.role}){expiry}; it is shown only now:")
    click.echo(issued.token)


@main.group()
def export() -> None:
    """Workbooks for finance."""


@export.command("business-case")
@click.argument("initiative_id", type=click.IntRange(1, 2**31 - 1))
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def export_business_case(initiative_id: int, file: str) -> None:
    """Write initiative INITIATIVE_ID's business-case workbook to FILE (.xlsx)."""
    from benefits.workbooks.business_case import business_case_workbook

    click.echo(f"Building the business case of initiative {initiative_id} ...", err=True)
    try:
        with transaction() as session:
            content = business_case_workbook(session=session, initiative_id=initiative_id)
    except DomainError as error:
        _fail(error)
    with open(file, "wb") as target:
        target.write(content)
    click.echo(f"Wrote {file} ({len(content):,} bytes).")


@export.command("finance")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--initiative", "initiative_id", type=click.IntRange(1, 2**31 - 1), default=None, help="One initiative.")
@click.option("--from", "from_year", default=None, help="First financial year, e.g. 2026-27.")
@click.option("--to", "to_year", default=None, help="Last financial year, e.g. 2030-31.")
@click.option("--weighted", is_flag=True, help="Weight each benefit by its stage.")
def export_finance(file: str, initiative_id: int | None, from_year: str | None, to_year: str | None,
                   weighted: bool) -> None:  # fmt: skip
    """Write the cash-versus-capacity workbook to FILE (.xlsx), streaming its detail rows."""
    from benefits.workbooks.finance_summary import write_finance_workbook

    partial = f"{file}.partial"  # FILE is replaced only once the workbook is whole
    try:
        with (
            _progress_bar("Writing the cash-versus-capacity workbook") as progress,
            transaction() as session,
            open(partial, "wb") as target,
        ):
            written = write_finance_workbook(session=session, target=target, initiative_id=initiative_id,
                                             from_year=from_year, to_year=to_year, weighted=weighted,
                                             progress=progress)  # fmt: skip
    except DomainError as error:
        os.remove(partial)
        _fail(error)
    os.replace(partial, file)
    click.echo(f"Wrote {file}: {written.rows:,} benefit-years, {written.cells:,} cells.")


@main.group("cost-centres")
def cost_centres_group() -> None:
    """The managed list of cost centres that benefits, cost lines and budgets name."""


@cost_centres_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--holder", default=None, help="Who holds the cost centre's budget.")
def cost_centres_add(code: str, name: str, holder: str | None) -> None:
    """Put the cost centre CODE, called NAME, on the list (the code is kept in capitals)."""
    from benefits import cost_centres
    from benefits.models.finance import CostCentreCreate

    try:
        fields = CostCentreCreate(code=code, name=name, budget_holder=holder)
    except ValidationError as error:
        lines = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise click.ClickException("\n".join(lines)) from None
    try:
        with transaction() as session:
            centre = cost_centres.create_cost_centre(session=session, fields=fields, actor=OPERATOR)
    except DomainError as error:
        _fail(error)
    click.echo(f"Added {centre.code} ({centre.name})")


@cost_centres_group.command("list")
def cost_centres_list() -> None:
    """Print every cost centre by code: its name, budget holder and whether it is active."""
    from benefits import cost_centres

    with transaction() as session:
        centres = cost_centres.all_cost_centres(session=session)
    if not centres:
        click.echo("No cost centres yet: add one with `benefits cost-centres add CODE NAME`.")
    for centre in centres:
        state = "" if centre.active else "  (inactive)"
        click.echo(f"{centre.code:<12} {centre.name:<40} {centre.budget_holder or '-'}{state}")


@cost_centres_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def cost_centres_import(file: str) -> None:
    """Add and change cost centres from the workbook FILE (Code, Name, Budget holder, Active): all rows, or none."""
    from benefits import cost_centres
    from benefits.workbooks.cost_centres_import import read_cost_centres
    from benefits.workbooks.register_import import MAX_IMPORT_BYTES

    with open(file, "rb") as source:
        content = source.read(MAX_IMPORT_BYTES + 1)
    try:
        # Read before the transaction opens: a long read holds no lock that the service's requests wait on.
        sheet = read_cost_centres(content, file_name=os.path.basename(file))
        with transaction() as session:
            result = cost_centres.import_cost_centres(session=session, sheet=sheet, actor=OPERATOR)
    except DomainError as error:
        _fail(error)
    click.echo(f"Imported: {result.created:,} added, {result.updated:,} changed, {result.unchanged:,} unchanged.")


@main.group("import")
def import_group() -> None:
    """Registers from workbooks."""


@import_group.command("benefits")
@click.argument("initiative_id", type=click.IntRange(1, 2**31 - 1))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_benefits_command(initiative_id: int, file: str) -> None:
    """Create and update initiative INITIATIVE_ID's benefits from the workbook FILE: all rows, or none."""
    from benefits.workbooks.register_import import MAX_IMPORT_BYTES, apply_register, read_register

    with open(file, "rb") as source:
        data = source.read(MAX_IMPORT_BYTES + 1)
    click.echo(f"Reading {file} ...", err=True)
    try:
        # Read before the transaction opens: a long read holds no lock that the service's requests wait on.
        sheet = read_register(data, file_name=os.path.basename(file))
        with _progress_bar(f"Applying {len(sheet.rows):,} rows") as progress, transaction() as session:
            result = apply_register(
                session=session, initiative_id=initiative_id, sheet=sheet, actor=OPERATOR, progress=progress
            )
    except DomainError as error:
        _fail(error)
    click.echo(f"Imported: {result.created:,} added, {result.updated:,} changed, {result.unchanged:,} unchanged.")


@main.group("demand")
def demand_group() -> None:
    """Demand: the reference lists contacts are counted by, and contact counts from contact-centre exports."""


@demand_group.command("add")
@click.argument("kind", type=click.Choice(["services", "channels", "demand-types", "segments"]))
@click.argument("code")
@click.argument("name")
@click.option("--avoidable/--value", default=None, help="Demand types only: counted as avoidable contact (NI14).")
def demand_add(kind: str, code: str, name: str, avoidable: bool | None) -> None:
    """Put CODE, called NAME, on the reference list KIND."""
    from benefits import demand
    from benefits.models.demand import DemandTypeCreate, ReferenceCreate

    if avoidable is not None and kind != "demand-types":
        raise click.ClickException("Only a demand type is avoidable or value: leave --avoidable/--value out.")
    try:
        fields = (
            DemandTypeCreate(code=code, name=name, avoidable=bool(avoidable))
            if kind == "demand-types"
            else ReferenceCreate(code=code, name=name)
        )
    except ValidationError as error:
        lines = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise click.ClickException("\n".join(lines)) from None
    try:
        with transaction() as session:
            entry = demand.create_reference(
                session=session, kind=demand.ReferenceList(kind), fields=fields, actor=OPERATOR
            )
            click.echo(f"Added {entry.code} ({entry.name}) to {kind}")
    except DomainError as error:
        _fail(error)


@demand_group.command("list")
@click.argument("kind", type=click.Choice(["services", "channels", "demand-types", "segments"]))
def demand_list(kind: str) -> None:
    """Print the reference list KIND by name: each entry's code and name (and, for demand types, if avoidable)."""
    from benefits import demand

    with transaction() as session:
        listed = demand.list_references(session=session, kind=demand.ReferenceList(kind))
        entries = [demand.reference_view(entry) for entry in listed]
    if not entries:
        click.echo(f"No {kind} yet: add one with `benefits demand add {kind} CODE NAME`.")
    for entry in entries:
        flag = "" if entry.avoidable is None else "  avoidable" if entry.avoidable else "  value"
        click.echo(f"{entry.code:<24} {entry.name}{flag}")


@demand_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def demand_import(file: str) -> None:
    """Load contact counts from FILE (CSV or .xlsx: Period, Service, Channel, Type, Count): all rows, or none."""
    from benefits.demand_import import MAX_CSV_BYTES, load_contacts, read_contacts

    with open(file, "rb") as source:
        content = source.read(MAX_CSV_BYTES + 1)
    click.echo(f"Reading {file} ...", err=True)
    try:
        # Read before the transaction opens: a long read holds no lock that the service's requests wait on.
        sheet = read_contacts(content, file_name=os.path.basename(file))
        with _progress_bar(f"Loading {len(sheet.rows):,} rows") as progress, transaction() as session:
            result = load_contacts(session=session, sheet=sheet, actor=OPERATOR, progress=progress)
    except DomainError as error:
        _fail(error)
    click.echo(f"Loaded: {result.added:,} counts added, {result.replaced:,} replaced, {result.months:,} months.")


@demand_group.command("import-list")
@click.argument("kind", type=click.Choice(["services", "channels", "demand-types", "segments"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def demand_import_list(kind: str, file: str) -> None:
    """Load the reference list KIND from FILE (CSV or .xlsx: Code, Name, and Avoidable for demand types): a listed
    code takes the file's name, a new one is added; all rows, or none and each problem printed."""
    from benefits.demand import ReferenceList
    from benefits.demand_lists_import import MAX_LIST_BYTES, import_reference_list

    with open(file, "rb") as source:
        content = source.read(MAX_LIST_BYTES + 1)
    try:
        with transaction() as session:
            result = import_reference_list(
                session=session,
                kind=ReferenceList(kind),
                data=content,
                actor=OPERATOR,
                file_name=os.path.basename(file),
            )
    except DomainError as error:
        _fail(error)
    for words, codes in (("Added", result.added), ("Renamed", result.renamed)):
        for code in codes:
            click.echo(f"{words} {code}")
    counts = result.counts
    click.echo(f"{kind}: {counts.added:,} added, {counts.renamed:,} renamed, {counts.unchanged:,} unchanged.")


@demand_group.command("cost")
@click.argument("channel")
@click.argument("cost", type=float)
@click.option("--from", "valid_from", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The day it applies from.")
@click.option("--source", required=True, help="Where the figure comes from: a study, a report, a date.")
def demand_cost(channel: str, cost: float, valid_from: Any, source: str) -> None:
    """Keep CHANNEL's cost per contact, COST in GBP, from a day, with its source."""
    from benefits import demand
    from benefits.models.demand import ChannelCostIn

    try:
        fields = ChannelCostIn(channel=channel, cost=cost, valid_from=valid_from.date(), source=source)
    except ValidationError as error:
        lines = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise click.ClickException("\n".join(lines)) from None
    try:
        with transaction() as session:
            kept = demand.set_channel_cost(session=session, fields=fields, actor=OPERATOR)
    except DomainError as error:
        _fail(error)
    click.echo(f"Kept {kept.channel}: GBP {kept.cost} a contact from {kept.valid_from.isoformat()} ({kept.source})")


@demand_group.command("refresh")
@click.argument("initiative_id", type=click.IntRange(1, 2**31 - 1))
def demand_refresh(initiative_id: int) -> None:
    """Set initiative INITIATIVE_ID's assumptions bound to demand from the contact counts as they stand."""
    from benefits import demand

    try:
        with transaction() as session:
            bound = demand.refresh_assumptions(session=session, initiative_id=initiative_id, actor=OPERATOR)
    except DomainError as error:
        _fail(error)
    if not bound:
        click.echo("No assumption of this initiative is bound to demand.")
    for row in bound:
        click.echo(f"{row.assumption:<32} {row.value:,.6g}  ({row.figure.value} over {row.span})")


if __name__ == "__main__":
    main()
