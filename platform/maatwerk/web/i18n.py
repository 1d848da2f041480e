"""Dutch words for what people read: statuses, audit actions, dates."""
from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context

from ..domain.deviation import LABELS as DEVIATION_LABELS
from ..domain.deviation import DeviationType
from ..domain.dutch_dates import AMSTERDAM, MONTHS

STATUS = {"open": "In behandeling", "completed": "Afgerond", "error": "Vastgelopen",
          "cancelled": "Vervallen", "skipped": "Overgeslagen", "requested": "Aangevraagd",
          "approved": "Goedgekeurd", "rejected": "Afgewezen", "withdrawn": "Ingetrokken"}
ACTIONS = {
    "case_started": "Zaak gestart", "case_completed": "Zaak afgerond",
    "task_opened": "Taak klaargezet", "task_claimed": "Taak opgepakt",
    "task_unclaimed": "Taak teruggelegd", "task_completed": "Taak afgerond",
    "task_cancelled": "Taak vervallen", "automatic_step": "Automatische stap",
    "timer_fired": "Termijn verstreken", "automatic_step_failed": "Automatische stap mislukt",
    "timer_rescheduled": "Termijn verzet", "model_uploaded": "Model geüpload",
    "model_upload_refused": "Model geweigerd", "login": "Ingelogd",
    "login_failed": "Inloggen mislukt", "user_created": "Account aangemaakt",
    "token_created": "API-sleutel aangemaakt",
    "deviation_requested": "Afwijking aangevraagd", "deviation_approved": "Afwijking goedgekeurd",
    "deviation_rejected": "Afwijking afgewezen", "deviation_withdrawn": "Afwijking ingetrokken",
    "legal_basis_added": "Grondslag toegevoegd", "deadline_set": "Beslistermijn vastgesteld",
    "deadline_suspended": "Beslistermijn opgeschort",
    "deadline_resumed": "Beslistermijn loopt weer",
    "deadline_extended": "Beslistermijn verlengd", "case_retried": "Opnieuw geprobeerd",
    "document_received": "Document ontvangen", "document_viewed": "Document ingezien",
    "external_task_locked": "Opgepakt door een extern systeem",
    "external_task_completed": "Afgerond door een extern systeem",
    "external_task_failed": "Extern systeem meldt een fout; het probeert opnieuw",
    "external_task_bpmn_error": "Extern systeem meldt een uitzondering",
    "external_task_incident": "Extern systeem loopt vast: er is hulp nodig",
    "external_task_retries_set": "Extern systeem mag het opnieuw proberen",
    "external_task_lock_extended": "Extern systeem neemt meer tijd",
    "external_task_unlocked": "Vrijgegeven voor een ander extern systeem",
}
CHANNELS = {"online": "Online", "balie": "Aan de balie", "telefoon": "Telefonisch",
            "post": "Per post"}
LABELS = {"status": STATUS, "actions": ACTIONS, "channels": CHANNELS}


def status_label(status: str) -> str:
    return STATUS.get(status, status)


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " "))


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def dutch_datetime(value: datetime | None, with_time: bool = True) -> str:
    """A date as people write it, in the page's language (Dutch unless English was chosen)."""
    if value is None:
        return ""
    local = value.astimezone(AMSTERDAM)
    english = has_request_context() and g.get("lang") == "en"
    month = (MONTHS_EN if english else MONTHS)[local.month - 1]
    text = f"{local.day} {month} {local.year}"
    return f"{text}, {local:%H:%M}" if with_time else text


def deviation_label(kind: str) -> str:
    try:
        return DEVIATION_LABELS[DeviationType(kind)]
    except ValueError:
        return kind


# -- language: Dutch by default, English available, the choice kept in a cookie ----------

LANGUAGES = ("nl", "en")
LANGUAGE_COOKIE = "taal"

EN: dict[str, str] = {
    "Naar de inhoud": "Skip to content",
    "Hoofdmenu": "Main menu",
    "Aanvragen": "Applications",
    "Inloggen medewerkers": "Staff sign in",
    "Uitloggen": "Sign out",
    "Ingelogd als": "Signed in as",
    "Maatwerk — open source zaakgericht werken.": "Maatwerk — open source case management.",
    "Alle aanvragen": "All applications",
    "Taal": "Language",
    "Hier vraagt u iets aan bij de gemeente. Kies wat u wilt aanvragen.":
        "Apply for something from the municipality. Choose what you want to apply for.",
    "Er zijn nog geen aanvragen die u online kunt doen.":
        "There are no applications you can make online yet.",
    "Aanvraag versturen": "Send application",
    "Uw aanvraag": "Your application",
    "Dit is een proefzaak: een procesontwerper probeert hiermee het proces uit. Er wordt "
    "niets echt besloten.": "This is a trial case: a process designer is trying out the "
    "process with it. Nothing is really decided.",
    "Wij hebben uw aanvraag ontvangen": "We have received your application",
    "Uw zaaknummer is": "Your case number is",
    "Bewaar het adres van deze pagina: hier ziet u steeds hoe het met uw aanvraag staat. "
    "Deel de link niet met anderen.":
        "Keep the address of this page: it always shows how your application is doing. "
        "Do not share the link with others.",
    "Dank u wel. Wij hebben uw gegevens ontvangen.": "Thank you. We have received your details.",
    "Zaaknummer": "Case number",
    "Ingediend op": "Submitted on",
    "Status": "Status",
    "U hoort uiterlijk": "You will hear from us by",
    "van ons": "",
    "Wat gebeurt er nu?": "What happens now?",
    "Wat moet u doen?": "What do you need to do?",
    "Wat is er al gebeurd?": "What has happened so far?",
    "Uitkomst": "Outcome",
    "Versturen": "Send",
    "Gedaan": "Done",
    "Een beslissing op maat": "A decision tailored to you",
    "In uw situatie hebben wij niet precies de standaardregels gevolgd. Een tweede medewerker "
    "met bevoegdheid heeft dit goedgekeurd.":
        "In your situation we did not follow the standard rules exactly. A second officer with "
        "the authority to do so approved this.",
    "In behandeling": "In progress", "Afgerond": "Completed", "Vastgelopen": "Delayed",
    "Uw aanvraag is afgehandeld.": "Your application has been decided.",
    "Er is een vertraging bij de behandeling van uw aanvraag. Wij lossen dit op; u hoeft niets "
    "te doen.": "There is a delay in handling your application. We are solving it; you do not "
                "need to do anything.",
    "Wij hebben iets van u nodig. Kijk hieronder wat u moet doen.":
        "We need something from you. See below what to do.",
    "Wij behandelen uw aanvraag. U hoeft nu niets te doen.":
        "We are handling your application. You do not need to do anything now.",
    "Wij hebben uw aanvraag ontvangen.": "We have received your application.",
    "Deze datum schuift op: de termijn staat stil sinds": "This date moves: the term has been "
                                                          "paused since",
    "omdat wij op gegevens van u wachten": "because we are waiting for information from you",
    "Inloggen voor medewerkers": "Staff sign in",
    "Inloggen is niet gelukt": "Signing in did not work",
    "De gebruikersnaam of het wachtwoord klopt niet.": "The user name or password is wrong.",
    "Inloggen": "Sign in",
    "Naar de startpagina": "To the start page",
    "Doe dit uiterlijk op": "Please do this by",
    "Wat u heeft gestuurd": "What you have sent",
    "Ontvangen op": "Received on",
    "Geen documenten.": "No documents.",
    "Berichten van ons": "Messages from us",
    "Brieven van ons": "Letters from us",
    "Berichten": "Messages",
    "Berichten van u": "Your messages",
    "Wij hebben uw bericht ontvangen. Uw behandelaar leest het en antwoordt u.":
        "We have received your message. Your caseworker will read it and reply.",
    "gelezen door uw behandelaar": "read by your caseworker",
    "Meegestuurd": "Attached",
    "Stuur ons een bericht": "Send us a message",
    "Bewaren of afdrukken (PDF)": "Save or print (PDF)",
    "Bericht versturen": "Send message",
    "Verstuurd op": "Sent on",
    "ook per e-mail gestuurd": "also sent by e-mail",
    "Lees het bericht": "Read the message",
    "Wat wij van u vragen:": "What we ask of you:",
}


def current_language(cookie: str | None, requested: str | None) -> str:
    for choice in (requested, cookie):
        if choice in LANGUAGES:
            return choice
    return "nl"


def translate(text: str, language: str) -> str:
    return EN.get(text, text) if language == "en" else text
