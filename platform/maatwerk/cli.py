"""The `maatwerk` command: database, demo, accounts, tokens, worker, audit."""
from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from .config import REPO_ROOT, Settings
from .persistence.database import Database
from .persistence.migrate import upgrade
from .persistence.models import utcnow
from .persistence.uow import UnitOfWork
from .services import (
    accounts,
    audit,
    demo,
    deviations,
    http_connector,
    mail_delivery,
    start_clocks,
    timers,
    topic_bindings,
    unit_of_work,
)
from .services.errors import DatabaseBusy, ServiceError
from .services.mailer import SmtpServer

log = logging.getLogger("maatwerk")


def _database() -> Database:
    return unit_of_work.open_database(Settings())


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = Settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    with UnitOfWork(_database()) as uow:
        report = demo.load(uow, Path(args.workflows), Path(args.forms))
    for line in report:
        print(line)
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password: ")
    with UnitOfWork(_database()) as uow:
        user = accounts.create_user(uow, args.name, args.role, args.group or [], password,
                                    args.display_name)
    print(f"created user {user.username} ({user.roles})")
    return 0


def cmd_tokens_create(args: argparse.Namespace) -> int:
    with UnitOfWork(_database()) as uow:
        token = accounts.create_token(uow, args.name, days=args.days)
    print(f"API token for {args.name} (shown once):")
    print(token)
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    now = utcnow()
    with UnitOfWork(_database(), readonly=True) as uow:
        found = accounts.list_tokens(uow, args.name)
    print(f"{'id':>6}  {'user':<20} {'created':<17} {'expires':<17} state")
    for token in found:
        expires = token.expires_at.strftime("%Y-%m-%d %H:%M") if token.expires_at else "-"
        print(f"{token.id:>6}  {token.username:<20} "
              f"{token.created_at.strftime('%Y-%m-%d %H:%M'):<17} {expires:<17} "
              f"{token.state(now)}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    with UnitOfWork(_database()) as uow:
        token = accounts.revoke_token(uow, args.id)
    print(f"token {token.id} of {token.username} is revoked; it no longer works anywhere")
    return 0


def cmd_legal_bases_add(args: argparse.Namespace) -> int:
    with UnitOfWork(_database()) as uow:
        deviations.add_legal_basis(uow, args.text, args.citation, "systeem")
    print(f"added legal basis: {args.text}")
    return 0


def cmd_legal_bases_list(_args: argparse.Namespace) -> int:
    with UnitOfWork(_database(), readonly=True) as uow:
        for basis in deviations.legal_bases(uow):
            print(basis.text + ("  (citation required)" if basis.requires_citation else ""))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    anchors: list[audit.Anchor] = []
    if args.anchors:
        try:
            anchors = audit.read_anchors(Path(args.anchors).read_text(), args.anchors)
        except (OSError, ValueError) as exc:
            print(f"error: the anchors cannot be read: {exc}", file=sys.stderr)
            return 2
    with UnitOfWork(_database(), readonly=True) as uow:
        result = audit.verify(uow, anchors=anchors)
    if result.ok:
        against = f", and matches {len(anchors)} anchor(s)" if anchors else ""
        print(f"ok: {result.checked} events checked, the chain is intact{against}")
        return 0
    if result.first_broken is not None:
        print(f"BROKEN at event {result.first_broken}: {result.reason} "
              f"({result.checked} events checked before it)")
    else:
        print(f"BROKEN: {result.reason}")
    for problem in result.state_problems:
        print(f"  {problem}")
    return 1


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    with UnitOfWork(_database(), readonly=True) as uow:
        head = audit.anchor(uow)
    if head is None:
        print("error: the audit record has no events yet; nothing to anchor", file=sys.stderr)
        return 1
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write(head.to_json() + "\n")
        print(f"anchored event {head.event_id} in {args.out}")
    else:
        print(head.to_json())
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    database = _database()
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    settings = Settings()
    connector = http_connector.Allowed(settings.http_connector_allow,
                                       settings.http_connector_timeout)
    try:
        bindings = topic_bindings.Bindings.read(settings.topic_bindings, connector)
    except topic_bindings.BindingProblem as exc:
        print(f"error: MAATWERK_TOPIC_BINDINGS: {exc}", file=sys.stderr)
        return 2
    mail = SmtpServer.from_url(settings.smtp_url, settings.mail_from) \
        if settings.smtp_url else None
    log.info("worker started; polling every %ss; HTTP connector %s; topics done here: %s",
             args.interval, f"calls {', '.join(connector.bases)}" if connector.bases else
             "off", ", ".join(bindings.topics) or "none")
    while not stopping:
        fired = run_worker_pass(database, connector=connector, mail=mail, bindings=bindings)
        if fired:
            log.info("fired timers of %d case(s) (cases started by a clock included)", fired)
        if args.once:
            break
        for _ in range(int(args.interval * 10)):
            if stopping:
                break
            time.sleep(0.1)
    return 0


def run_worker_pass(database: Database, limit: int = 100,
                    connector: http_connector.Allowed | None = None,
                    mail: SmtpServer | None = None,
                    bindings: topic_bindings.Bindings | None = None) -> int:
    """Start the cases whose timer start events are due and fire every due timer once,
    each in its own transaction; then do the waiting http-connector tasks (when the
    operator allows the connector any URL) and those of the topics bound to a built-in
    connector, and send the outbox (with a mail server)."""
    with UnitOfWork(database, readonly=True) as uow:
        clocks = start_clocks.due(uow, utcnow(), limit)
        due = timers.due_cases(uow, utcnow(), limit)
    fired = _each(database, clocks, timers.fire_clock, "cases of timer start %s")
    fired += _each(database, due, timers.fire_due, "timers of case %s")
    if connector is not None and connector.bases:
        _part("the HTTP connector", lambda: http_connector.work_pass(database, connector))
    if bindings is not None and bindings.topics:
        _part("the bound topics", lambda: topic_bindings.work_pass(database, bindings))
    if mail is not None:
        _part("the outbox", lambda: mail_delivery.deliver_due(
            lambda: UnitOfWork(database), mail))
    return fired


def _part(what: str, work: Callable[[], int]) -> None:
    """One more part of the worker's pass: a busy database leaves its work for the next
    pass, and a failure is logged, never the end of the worker."""
    try:
        done = work()
        if done:
            log.info("%s did %d", what, done)
    except DatabaseBusy as exc:
        log.warning("%s waits for the next pass: %s", what, exc)
    except Exception:
        log.exception("%s failed", what)


def _each(database: Database, ids: list[int], fire: Callable[[UnitOfWork, int], bool],
          what: str) -> int:
    """Fire each, in its own transaction; how many fired. `what` names one in the log
    ("timers of case %s")."""
    fired = 0
    for item in ids:
        try:
            with UnitOfWork(database) as uow:
                fired += fire(uow, item)
        except DatabaseBusy as exc:  # nothing was changed: still due next pass
            log.warning("%s wait for the next pass: %s", what % item, exc)
        except Exception:  # one broken case or clock must not stop the others
            log.exception("%s failed", what % item)
    return fired


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maatwerk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="run the migrations").set_defaults(func=cmd_db_upgrade)
    demo_p = sub.add_parser("demo", help="demo content").add_subparsers(dest="demo_command",
                                                                        required=True)
    load = demo_p.add_parser("load", help="load demo models and accounts (idempotent)")
    load.add_argument("--workflows", default=str(REPO_ROOT / "workflows"))
    load.add_argument("--forms", default=str(REPO_ROOT / "forms"))
    load.set_defaults(func=cmd_demo_load)
    users = sub.add_parser("users", help="accounts").add_subparsers(dest="users_command",
                                                                    required=True)
    create = users.add_parser("create", help="create an account")
    create.add_argument("name")
    create.add_argument("--role", action="append", required=True,
                        help="admin, designer, caseworker, teamlead or clerk (repeatable)")
    create.add_argument("--group", action="append", help="group, e.g. consulenten (repeatable)")
    create.add_argument("--password")
    create.add_argument("--display-name")
    create.set_defaults(func=cmd_users_create)
    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(dest="tokens_command",
                                                                        required=True)
    token = tokens.add_parser("create", help="create an API token; printed as the last line")
    token.add_argument("name")
    token.add_argument("--days", type=int, default=None,
                       help="valid this many days (default MAATWERK_TOKEN_DAYS, 90)")
    token.set_defaults(func=cmd_tokens_create)
    listing = tokens.add_parser("list", help="the tokens (not their secrets) and their state")
    listing.add_argument("name", nargs="?", help="only this user's")
    listing.set_defaults(func=cmd_tokens_list)
    revoke = tokens.add_parser("revoke", help="revoke a token at once (its id from 'list')")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=cmd_tokens_revoke)
    bases = sub.add_parser("legal-bases", help="legal bases for deviations").add_subparsers(
        dest="bases_command", required=True)
    add = bases.add_parser("add", help="add a legal basis caseworkers may cite")
    add.add_argument("text")
    add.add_argument("--citation", action="store_true", help="requests must cite the article")
    add.set_defaults(func=cmd_legal_bases_add)
    bases.add_parser("list", help="the legal bases").set_defaults(func=cmd_legal_bases_list)
    audit_p = sub.add_parser("audit", help="audit record").add_subparsers(dest="audit_command",
                                                                          required=True)
    check = audit_p.add_parser("verify", help="recompute the keyed hash chain")
    check.add_argument("--anchors", metavar="FILE",
                       help="anchor lines from 'maatwerk audit anchor' the record must match")
    check.set_defaults(func=cmd_audit_verify)
    pin = audit_p.add_parser("anchor", help="print the chain's signed head, for a second "
                             "system to keep")
    pin.add_argument("--out", metavar="FILE", help="append the anchor line to FILE instead")
    pin.set_defaults(func=cmd_audit_anchor)
    worker = sub.add_parser("worker", help="fire timers in the background")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    worker.set_defaults(func=cmd_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # it logs every task state at INFO
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ServiceError as exc:
        errors = getattr(exc, "errors", {})
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        print(f"error: {exc}{' (' + detail + ')' if detail else ''}", file=sys.stderr)
        return 2
    except DatabaseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return code


if __name__ == "__main__":
    sys.exit(main())
