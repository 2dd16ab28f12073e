"""The query-count middleware and the benchmark runner (`kamdesk bench`)."""

import json
import re
import statistics
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path

from benchmarks.runner import (
    PAGES,
    ROLES,
    BenchError,
    check_database_url,
    compare_query_counts,
    describe_database,
    percentile,
)
from kamdesk.users.models import User

MIDDLEWARE = "kamdesk.core.middleware.QueryCountMiddleware"


def three_queries(request):
    for _ in range(3):
        User.objects.count()
    return HttpResponse("ok")


def no_queries(request):
    return HttpResponse("ok")


def who_am_i(request):
    return HttpResponse(request.user.email)  # loads the session, then the user


urlpatterns = [path("three/", three_queries), path("none/", no_queries), path("me/", who_am_i)]


@pytest.fixture
def measured(settings):
    settings.DEBUG_QUERY_HEADERS = True
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.ROOT_URLCONF = __name__
    return settings


def test_middleware_counts_every_query_and_times_the_request(db, client, measured):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/three/")
    assert response.status_code == 200
    assert response["X-Query-Count"] == str(len(captured)) == "3"
    assert re.fullmatch(r"app;dur=\d+\.\d{2}", response["Server-Timing"])
    assert client.get("/none/")["X-Query-Count"] == "0"


def test_middleware_counts_the_session_and_user_lookups_too(db, client, measured, admin_user):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/me/")
    assert response.content.decode() == admin_user.email
    assert int(response["X-Query-Count"]) == len(captured) >= 2


def test_middleware_is_off_unless_asked_for(db, client, settings):
    settings.DEBUG_QUERY_HEADERS = False
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "X-Query-Count" not in response and "Server-Timing" not in response


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 101))
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1 and percentile(values, 100) == 100
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # order does not matter
    sample = [12.5, 3.1, 8.8, 30.2, 7.7, 9.9, 15.0]
    assert percentile(sample, 50) == statistics.median(sample)
    # the "inclusive" method of the standard library is the same interpolation
    assert percentile(sample, 95) == pytest.approx(statistics.quantiles(sample, n=20, method="inclusive")[-1])


def test_percentile_rejects_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def _run(size: str, queries: int, filtered: int) -> dict:
    pages = {page.key: {"queries": queries} for page in PAGES}
    pages["filtered_list"] = {"queries": filtered}
    return {"size": size, "pages": dict.fromkeys(ROLES, pages)}


def test_query_counts_compared_between_sizes():
    assert compare_query_counts([_run("S", 9, 9), _run("M", 9, 9)]) == []
    differences = compare_query_counts([_run("S", 9, 9), _run("M", 9, 14)])
    assert {d["page"] for d in differences} == {"filtered_list"}
    assert differences[0]["queries"] == {"S": 9, "M": 14}


def test_bench_database_must_be_its_own():
    for url in ("postgres://postgres@127.0.0.1:5432/test", "sqlite://:memory:", "nonsense"):
        with pytest.raises(BenchError):
            check_database_url(url)
    check_database_url("postgres://postgres@127.0.0.1:5432/kamdesk_bench")
    assert describe_database("postgres://user:secret@db:5432/kamdesk_bench") == "postgresql kamdesk_bench"
    assert describe_database("sqlite:////tmp/bench.sqlite3") == "sqlite /tmp/bench.sqlite3"


def test_bench_command_rejects_bad_options():
    with pytest.raises(CommandError):
        call_command("bench", "--sizes", "S,XL")
    with pytest.raises(CommandError):
        call_command("bench", "--requests", "0")
    with pytest.raises(CommandError, match="test suite"):
        call_command("bench", "--database-url", "postgres://postgres@127.0.0.1:5432/test")


@pytest.mark.slow
def test_bench_end_to_end_on_a_tiny_portfolio(tmp_path):
    """The real thing at a twentieth of size S: prepare, serve with gunicorn, measure over HTTP."""
    out, progress = StringIO(), StringIO()
    database_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    arguments = ["--scale", "0.05", "--requests", "3", "--warmup", "1", "--database-url", database_url]
    call_command("bench", "--json", *arguments, stdout=out, stderr=progress)
    report = json.loads(out.getvalue())
    assert report["requests"] == 3 and report["query_counts_equal"] is None
    (run,) = report["runs"]
    assert run["size"] == "S" and run["generated"] is True and run["data"]["accounts"] >= 10
    assert set(run["pages"]) == set(ROLES)
    for role in ROLES:
        assert run["users"][role]["visible_accounts"] > 0
        for page in PAGES:
            result = run["pages"][role][page.key]
            assert result["server_ms"]["p50"] <= result["server_ms"]["p95"]
            assert result["round_trip_ms"]["p50"] > 0 and result["queries"] > 0 and result["bytes"] > 0
            assert result["target_p95_ms"] == page.target_p95_ms
    assert run["pages"]["admin"]["account_360"]["path"] == f"/accounts/{run['subjects']['account_360']['id']}/"

    # A second run finds the same portfolio and reuses it; the text report has one line per page.
    text = StringIO()
    call_command("bench", *arguments, stdout=text, stderr=progress)
    assert "reused" in progress.getvalue()
    for page in PAGES:
        assert text.getvalue().count(f"  {page.label} ") == len(ROLES)
