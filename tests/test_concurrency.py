"""Two people acting on the same task at the same moment: exactly one wins, nothing is lost."""
from __future__ import annotations

import threading
from typing import Any

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, actions, bearer, open_task, start
from maatwerk.persistence.database import Database
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, tasks
from maatwerk.services.errors import Conflict


def _race(database: Database, usernames: list[str], action: Any) -> list[str]:
    barrier = threading.Barrier(len(usernames))
    outcomes: list[str] = []

    def run(username: str) -> None:
        with UnitOfWork(database) as uow:
            principal = accounts.principal_by_username(uow, username)
            uow.rollback()
            barrier.wait()
            try:
                action(uow, principal)
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(u,)) for u in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_concurrent_completions_one_wins(client: FlaskClient, tokens: dict[str, str],
                                         database: Database) -> None:
    for _ in range(3):
        case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        task_id = open_task(case, "Task_Volledigheid")["id"]
        outcomes = _race(database, ["consulent", "consulent2"],
                         lambda uow, who, task_id=task_id: tasks.complete(
                             uow, task_id, {"volledig": "ja"}, who))
        assert outcomes == ["conflict", "ok"]
        history = actions(client, tokens["consulent"], case["id"])
        assert history.count("task_completed") == 1
        assert history.count("task_opened") == 2  # the check, then exactly one four-eyes task
        after = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
        assert [t["element_id"] for t in after.get_json()["open_tasks"]] == ["Task_Vierogen"]


def test_concurrent_claims_one_wins(client: FlaskClient, tokens: dict[str, str],
                                    database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task_id = open_task(case, "Task_Volledigheid")["id"]
    outcomes = _race(database, ["consulent", "consulent2"],
                     lambda uow, who: tasks.claim(uow, task_id, who))
    assert outcomes == ["conflict", "ok"]
    assert actions(client, tokens["consulent"], case["id"]).count("task_claimed") == 1
