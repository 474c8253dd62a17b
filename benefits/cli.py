"""The `benefits` command line: serve, migrate the database, load the worked example."""

import click

from benefits import migrate
from benefits.db import transaction
from benefits.example import load_example
from benefits.settings import get_settings


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

    click.echo(f"Serving on http://{host}:{port} (API docs at /docs)")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@main.group()
def db() -> None:
    """Migrate the database named by BENEFITS_DATABASE_URL."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url)}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (default: one step; `base` for all)."""
    url = get_settings().database_url
    migrate.downgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url) or 'base'}")


@main.group()
def example() -> None:
    """The worked example."""


@example.command("load")
def example_load() -> None:
    """Load the council customer-access example (once; a second run changes nothing)."""
    with transaction() as session:
        initiative = load_example(session=session)
    if initiative is None:
        click.echo("The example is already loaded.")
    else:
        click.echo(f"Loaded the example: initiative {initiative.id}, {initiative.name}")


if __name__ == "__main__":
    main()
