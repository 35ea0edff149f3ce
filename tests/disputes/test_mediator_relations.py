"""Recording a mediator's relation to a person (回避): the service and its page."""

import pytest

from core.errors import DomainError, NotPermitted
from disputes import selectors, services
from disputes.models import MediatorRelation

from ..factories import make_id_number
from .helpers import report

pytestmark = pytest.mark.django_db


def test_a_recorded_relation_keeps_the_mediator_out_of_the_suggestions(world):
    id_number = make_id_number()
    case = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "id_number": id_number}])
    assert world.mediator_t1 in selectors.mediator_suggestions(case=case)
    services.mediator_relation_add(
        actor=world.user("station_a"),
        mediator=world.mediator_t1,
        person_name="吉克阿木",
        id_number=id_number,
        relation="舅舅",
    )
    assert world.mediator_t1 not in selectors.mediator_suggestions(case=case)
    with pytest.raises(DomainError):
        services.mediator_relation_add(
            actor=world.user("station_a"),
            mediator=world.mediator_t1,
            person_name="吉克阿木",
            id_number=id_number,
            relation="舅舅",
        )


def test_scope_role_and_a_bad_id_number_are_refused_and_write_nothing(world):
    with pytest.raises(DomainError):  # station B does not see 甲镇's mediator
        services.mediator_relation_add(
            actor=world.user("station_b"), mediator=world.mediator_t1, person_name="某人", relation="姻亲"
        )
    with pytest.raises(NotPermitted):
        services.mediator_relation_add(
            actor=world.user("grid_g1"), mediator=world.mediator_t1, person_name="某人", relation="姻亲"
        )
    with pytest.raises(Exception) as exc:
        services.mediator_relation_add(
            actor=world.user("station_a"),
            mediator=world.mediator_t1,
            person_name="某人",
            id_number="123",
            relation="姻亲",
        )
    assert "18" in str(exc.value)
    assert not MediatorRelation.objects.exists()


def test_the_relations_page(client_for, world):
    client = client_for("station_a")
    assert client.get("/cases/mediator-relations/").status_code == 200
    response = client.post(
        "/cases/mediator-relations/",
        {"mediator": world.mediator_t1.pk, "person_name": "沙马拉哈", "id_number": "", "relation": "姻亲"},
    )
    assert response.status_code == 302
    assert "沙马拉哈" in client.get("/cases/mediator-relations/").content.decode()
    bad = client.post(
        "/cases/mediator-relations/", {"mediator": world.mediator_t1.pk, "person_name": "", "relation": ""}
    )
    assert bad.status_code == 200 and "请填写关系人姓名" in bad.content.decode()
    assert client_for("grid_g1").get("/cases/mediator-relations/").status_code == 403
    assert MediatorRelation.objects.count() == 1
