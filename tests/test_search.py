import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_search_finds_visible_accounts_and_stakeholders_only(world, login):
    make_contact(world.global_account, first_name="Greta", last_name="Globe", title="Head of Buying")
    make_contact(world.hidden, first_name="Gordon", last_name="Globe")
    body = login(world.kam_a).get("/search/", {"q": "glob"}).content.decode()
    assert "Globex Holding" in body and "Globex Deutschland" in body
    assert "Greta Globe" in body
    assert "Gordon" not in body and "Hidden Industries" not in body


def test_stakeholder_seen_through_a_further_account_does_not_reveal_the_hidden_main_account(world, login):
    make_contact(world.hidden, first_name="Ada", last_name="Crosslink", other_accounts=[world.account_b])
    body = login(world.kam_b).get("/search/", {"q": "crosslink"}).content.decode()
    assert "Ada Crosslink" in body
    assert "Hidden Industries" not in body


def test_search_takes_the_same_number_of_queries_for_few_and_many_matches(world, login):
    client = login(world.kam_a)

    def queries_for_search() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/search/", {"q": "many"}).status_code == 200
        return len(queries)

    for n in range(3):
        make_contact(world.subsidiary, last_name=f"Many{n}")
    few = queries_for_search()
    for n in range(3, 30):
        make_contact(world.global_account, last_name=f"Many{n}", owner=world.kam_b)
    assert queries_for_search() == few


def test_empty_search_shows_the_box_only(world, login):
    response = login(world.kam_a).get("/search/")
    assert response.status_code == 200
    assert "No account matches" not in response.content.decode()
