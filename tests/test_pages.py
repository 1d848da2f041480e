"""The HTML pages through the app (no JavaScript): resident, counter, inbox, task, designer."""
from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, BIJSTAND_FORM, start
from maatwerk.web.errors import dutch

FORM = BIJSTAND_FORM


def test_resident_start_page_lists_services(client: FlaskClient, demo_loaded: list[str]) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Bijzondere bijstand" in page and "/aanvragen/bijzondere_bijstand" in page


def test_resident_form_errors_show_at_the_fields_and_keep_input(
        client: FlaskClient, demo_loaded: list[str]) -> None:
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    data = dict(FORM, bedrag="veel", naam="Sanne <b>de Vries</b>", csrf_token=csrf_token(page))
    response = client.post("/aanvragen/bijzondere_bijstand", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er ging iets mis" in html and 'href="#bedrag"' in html
    assert 'aria-invalid="true"' in html
    assert "Sanne &lt;b&gt;de Vries&lt;/b&gt;" in html  # kept, and escaped
    assert "/status/" not in html


def test_resident_applies_and_follows_the_case(client: FlaskClient,
                                               demo_loaded: list[str]) -> None:
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    response = client.post("/aanvragen/bijzondere_bijstand",
                           data=dict(FORM, csrf_token=csrf_token(page)))
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert re.match(r"^/status/[A-Za-z0-9_-]{40,}\?nieuw=1$", status_url)
    status = client.get(status_url)
    html = status.get_data(as_text=True)
    assert status.headers["Cache-Control"] == "no-store"
    assert "Wij hebben uw aanvraag ontvangen" in html and "BB-" in html
    assert "U hoeft nu niets te doen" in html
    assert client.get("/status/not-a-real-token").status_code == 404


def test_caseworker_works_the_inbox_through_the_pages(client: FlaskClient,
                                                      demo_loaded: list[str]) -> None:
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    client.post("/aanvragen/bijzondere_bijstand", data=dict(FORM, csrf_token=csrf_token(page)))
    login(client, "consulent")
    inbox = client.get("/werk/").get_data(as_text=True)
    assert "Volledigheid controleren" in inbox and "Jan Jansen" in inbox
    task_url = re.search(r'href="(/werk/taken/[^"]+)"', inbox).group(1)  # type: ignore[union-attr]
    task_page = client.get(task_url).get_data(as_text=True)
    assert "Gegevens van de zaak" in task_page and "Geschiedenis" in task_page
    claim = client.post(task_url + "/oppakken", data={"csrf_token": csrf_token(task_page)})
    assert claim.status_code == 302
    no_csrf = client.post(task_url, data={"volledig": "ja"})
    assert no_csrf.status_code in (400, 422)
    task_page = client.get(task_url).get_data(as_text=True)
    invalid = client.post(task_url, data={"csrf_token": csrf_token(task_page)})
    assert invalid.status_code == 422 and "Dit veld is verplicht" in invalid.get_data(as_text=True)
    done = client.post(task_url, data={"csrf_token": csrf_token(task_page), "volledig": "ja"})
    assert done.status_code == 302
    inbox = client.get("/werk/").get_data(as_text=True)
    assert "is afgerond" in inbox and f'href="{task_url}"' not in inbox


def test_counter_clerk_records_the_channel(client: FlaskClient, demo_loaded: list[str]) -> None:
    login(client, "balie")
    page = client.get("/werk/balie/bijzondere_bijstand").get_data(as_text=True)
    assert "Hoe doet de inwoner de aanvraag?" in page
    response = client.post("/werk/balie/bijzondere_bijstand",
                           data=dict(FORM, kanaal="telefoon", csrf_token=csrf_token(page)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Aanvraag ingevoerd" in html
    case_url = re.search(r'href="(/werk/zaken/\d+)"', html).group(1)  # type: ignore[union-attr]
    case_page = client.get(case_url).get_data(as_text=True)
    assert "Telefonisch" in case_page and "Volledigheid controleren" in case_page


def test_login_failures_are_refused_and_recorded(client: FlaskClient, demo_loaded: list[str],
                                                 uow) -> None:  # type: ignore[no-untyped-def]
    from maatwerk.persistence.audit_log import latest
    page = client.get("/inloggen").get_data(as_text=True)
    response = client.post("/inloggen", data={"csrf_token": csrf_token(page),
                                              "username": "consulent", "password": "fout"})
    assert response.status_code == 401 and "klopt niet" in response.get_data(as_text=True)
    event = latest(uow.session, 1)[0]
    assert (event.action, event.result, event.actor) == ("login_failed", "refused", "consulent")


def test_pages_need_the_right_role(client: FlaskClient, demo_loaded: list[str]) -> None:
    assert client.get("/werk/").status_code == 302  # to the login page
    login(client, "balie")
    assert client.get("/werk/").status_code == 403
    assert client.get("/ontwerp/").status_code == 403


def test_designer_uploads_in_the_browser_and_sees_problems(client: FlaskClient,
                                                           demo_loaded: list[str]) -> None:
    login(client, "ontwerper")
    page = client.get("/ontwerp/uploaden").get_data(as_text=True)
    response = client.post("/ontwerp/uploaden", data={
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(b"<definitions/>"), "kapot.bpmn")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "niet opgeslagen" in response.get_data(as_text=True)
    models = client.get("/ontwerp/").get_data(as_text=True)
    assert "Omgevingsvergunning kappen" in models
    detail = client.get("/ontwerp/kapvergunning/1").get_data(as_text=True)
    assert "Aanvraag beoordelen" in detail
    assert client.get("/ontwerp/kapvergunning/1/diagram.bpmn").status_code == 200


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_english_is_available_and_remembered(client: FlaskClient,
                                             demo_loaded: list[str]) -> None:
    dutch = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Kies wat u wilt aanvragen" in dutch
    english = client.get("/?taal=en")
    assert "taal=en" in english.headers["Set-Cookie"]
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html and "Choose what you want to apply for" in html
    again = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    assert "Send application" in again  # the choice is remembered
    back = client.get("/?taal=nl").get_data(as_text=True)
    assert "Kies wat u wilt aanvragen" in back


def test_refusals_read_in_dutch_on_pages(client: FlaskClient, demo_loaded: list[str]) -> None:
    """The API answers in English; a page tells caseworkers in Dutch (English if chosen)."""
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    client.post("/aanvragen/bijzondere_bijstand", data=dict(FORM, csrf_token=csrf_token(page)))
    login(client, "consulent2")
    inbox = client.get("/werk/").get_data(as_text=True)
    task_url = re.search(r'href="(/werk/taken/[^"]+)"', inbox).group(1)  # type: ignore[union-attr]
    task_page = client.get(task_url).get_data(as_text=True)
    assert client.post(task_url + "/oppakken",
                       data={"csrf_token": csrf_token(task_page)}).status_code == 302
    client.get("/uitloggen")

    login(client, "consulent")
    task_page = client.get(task_url).get_data(as_text=True)
    refused = client.post(task_url + "/oppakken", data={"csrf_token": csrf_token(task_page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "Deze taak is al opgepakt door consulent2." in refused
    assert "already claimed" not in refused

    for url in ("/werk/zaken/999999", "/werk/bestaat-niet"):
        missing = client.get(url)
        assert missing.status_code == 404
        assert "Deze pagina bestaat niet, of u mag haar niet zien." in \
            missing.get_data(as_text=True)
    assert "Not found." in client.get("/werk/zaken/999999?taal=en").get_data(as_text=True)
    refused = client.post(task_url + "/oppakken", data={"csrf_token": csrf_token(task_page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "This task was already claimed by consulent2." in refused  # English was chosen


@pytest.mark.parametrize(("status", "english", "expected"), [
    (409, "This task is no longer open: it was completed by consulent.",
     "Deze taak staat niet meer open: hij is afgerond door consulent."),
    (409, "This task is no longer open: it was cancelled.",
     "Deze taak staat niet meer open: hij is vervallen."),
    (403, "This task is claimed by consulent2; ask them or a team lead to release it first.",
     ("Deze taak is opgepakt door consulent2. Vraag hen of een teamleider om de taak vrij te "
     "geven.")),
    (409, "This request was already rejected.", "Over dit verzoek is al beslist: afgewezen."),
    (409, "First complete the step that was added before this one: 'Bel de inwoner'.",
     "Rond eerst de stap af die ervoor is toegevoegd: 'Bel de inwoner'."),
    (404, "There is no such deviation, or you may not see it.",
     "Dit bestaat niet (meer), of u mag het niet zien."),
    (403, "Only process designers may upload models.",
     "U mag dit niet doen. Denkt u dat dat niet klopt, vraag dan uw beheerder om de juiste rol."),
])
def test_refusals_have_their_dutch(status: int, english: str, expected: str) -> None:
    assert dutch(status, english) == expected


def test_the_case_data_is_shown_by_its_labels_in_the_forms_order(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """Form labels instead of data keys, values as people write them; variables no form
    asks follow under their own names."""
    case = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, bedrag=650.5))
    login(client, "consulent")
    for url in (f"/werk/zaken/{case['id']}", f"/werk/taken/{case['open_tasks'][0]['id']}"):
        html = client.get(url).get_data(as_text=True)
        table = html[html.index('id="case-data-caption"'):]
        table = table[:table.index("</table>")]
        rows = re.findall(r'<th scope="row">(.*?)</th><td[^>]*>(.*?)</td>', table)
        assert rows[:6] == [
            ("Naam", "Jan Jansen"), ("E-mailadres", "jan@example.nl"),
            ("Telefoonnummer", "—"), ("Geboortedatum", "2 januari 1980"),
            ("Woonsituatie", "Ik woon alleen"),
            ("Waarvoor vraagt u geld aan?", "Een nieuwe wasmachine, want de oude is kapot.")]
        assert ("Hoeveel kost het?", "650,5") in rows
        assert ("Ik heb dit formulier naar waarheid ingevuld", "ja") in rows
        assert "bedrag" not in {label for label, _ in rows}
