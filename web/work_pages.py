"""My work: what is due from the signed-in person; and, for admins and boards, who owes what across the portfolio."""

from collections import defaultdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import MAX_ID, SessionDep
from benefits import initiatives, people, work
from benefits.authz import Action, allowed
from benefits.work import WorkItem
from web.render import render
from web.session import PageActor

router = APIRouter(include_in_schema=False)


@router.get("/work", response_class=HTMLResponse)
def my_work_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """What is due from you, most overdue first, each with a link to where it is done."""
    due = work.my_work(session=session, actor=actor, today=date.today())
    everyone = allowed(session=session, actor=actor, action=Action.read_all_work)
    return render(request, "work.html", {"actor": actor, "due": due, "everyone": everyone})


@router.get("/work/everyone", response_class=HTMLResponse)
def everyones_work_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    person: Annotated[str, Query(alias="person_id", max_length=20)] = "",
    initiative: Annotated[str, Query(alias="initiative_id", max_length=20)] = "",
) -> Response:
    """Who owes what across the portfolio, by person and by initiative (admins and boards).

    The filter form sends an empty choice for "everyone" and "every initiative"; anything but an id means no filter.
    """
    person_id, initiative_id = _chosen(person), _chosen(initiative)
    due = work.everyones_work(
        session=session, actor=actor, today=date.today(), person_id=person_id, initiative_id=initiative_id
    )
    by_person: dict[str, list[WorkItem]] = defaultdict(list)
    for item in due.items:
        by_person[item.person or "Nobody named"].append(item)
    by_initiative: dict[str, int] = defaultdict(int)
    for item in due.items:
        by_initiative[item.initiative or "The portfolio"] += 1
    return render(request, "work_everyone.html", {
        "actor": actor, "due": due, "by_person": sorted(by_person.items(), key=lambda pair: (-len(pair[1]), pair[0])),
        "by_initiative": sorted(by_initiative.items(), key=lambda pair: (-pair[1], pair[0])),
        "people": people.list_people(session=session, limit=500, offset=0).items,
        "initiatives": initiatives.initiative_names(session=session),
        "query": {"person_id": person_id, "initiative_id": initiative_id},
    })  # fmt: skip


def _chosen(text: str) -> int | None:
    """The id a filter's choice names, or None for "all" (an empty choice, or anything else)."""
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None
