"""A withdrawn benefit can no longer change, and who gains from it is no exception: tagging it is refused as any
other change to it is, and its segments stay as they were."""

import pytest
from sqlmodel import Session

from benefits import demand, register
from benefits.demand import ReferenceList, Tagged
from benefits.errors import Conflict
from benefits.models import Role
from benefits.models.demand import ReferenceCreate
from tests.support.factories import actor_of, make_benefit, make_initiative, make_person


def test_who_gains_from_a_withdrawn_benefit_cannot_change(session: Session) -> None:
    admin = actor_of(make_person(session, role=Role.admin))
    for code, name in (("residents", "Residents"), ("tenants", "Tenants")):
        fields = ReferenceCreate(code=code, name=name)
        demand.create_reference(session=session, kind=ReferenceList.segments, fields=fields, actor=admin)
    benefit = make_benefit(session, initiative=make_initiative(session))
    benefit_id = benefit.id or 0
    demand.tag(session=session, target=Tagged.benefits, target_id=benefit_id, segments=["residents"], actor=admin)
    register.withdraw_benefit(
        session=session, benefit_id=benefit_id, reason="Service closed", expected_version=None, actor=admin
    )
    # What the register says of any other change to a withdrawn benefit, here a second withdrawal.
    with pytest.raises(Conflict) as elsewhere:
        register.withdraw_benefit(
            session=session, benefit_id=benefit_id, reason="Again", expected_version=None, actor=admin
        )
    with pytest.raises(Conflict) as refused:
        demand.tag(session=session, target=Tagged.benefits, target_id=benefit_id, segments=["tenants"], actor=admin)
    assert refused.value.detail == elsewhere.value.detail
    assert [problem.code for problem in refused.value.problems] == ["benefit_withdrawn"]
    assert demand.segments_of(session=session, target=Tagged.benefits, target_id=benefit_id) == ["residents"]
