#!/usr/bin/env python3
"""A check by software nobody on the team wrote: Waldur's official Python client
(`waldur-api-client==8.1.3` from PyPI) runs each of its course-accounts operations against a server
and every answer is compared with how the real Waldur (waldur-mastermind) behaves:

  list        bare JSON array, X-Result-Count and Link headers, page_size default 10 / max 300,
              `state` by label and repeatable, `email` icontains
  sync_all    follows Link rel="next" until every row is fetched
  count       HEAD, X-Result-Count as an int
  retrieve    200 CourseAccount; 404 for a missing account
  create      201 CourseAccount
  create_bulk dedupes the request by exact email, skips every email that already has an account in
              the project in ANY state (Closed included, exact compare), creates the rest Pending,
              202 with only the created rows (7.8.7: 200)
  destroy     only OK/Erred -> Closed, 204 without a body (every release); Closed -> 409
  retry       only Erred -> 202 + the account, Pending (7.8.7: no such route, 404/405)

Where the py-client cannot handle the real answer, the line asserts what the py-client does instead
and says so: `ok <op> (py-client limitation: ...)`. One line per check, then `N passed, M failed`;
the exit status is 1 when anything failed.

    py_client_check.py --base-url http://127.0.0.1:18788 --token T [--flavour 8.1|7.8.7]

It creates and closes accounts (in the course project given by --project), so point it at a stand-in
or a test installation, not at production.
"""

import argparse
import types
import json
import math
import sys
import traceback
import uuid as uuidlib
from uuid import UUID

try:
    import httpx
    from waldur_api_client import AuthenticatedClient
    from waldur_api_client.api.marketplace_course_accounts import (
        marketplace_course_accounts_count as api_count,
        marketplace_course_accounts_create as api_create,
        marketplace_course_accounts_create_bulk as api_create_bulk,
        marketplace_course_accounts_destroy as api_destroy,
        marketplace_course_accounts_list as api_list,
        marketplace_course_accounts_retrieve as api_retrieve,
        marketplace_course_accounts_retry as api_retry,
    )
    from waldur_api_client.errors import UnexpectedStatus
    from waldur_api_client.models.course_account import CourseAccount
    from waldur_api_client.models.course_account_create_nested_request import CourseAccountCreateNestedRequest
    from waldur_api_client.models.course_account_request import CourseAccountRequest
    from waldur_api_client.models.course_account_state_enum import CourseAccountStateEnum as S
    from waldur_api_client.models.course_accounts_bulk_create_request import CourseAccountsBulkCreateRequest
except ImportError as e:  # pragma: no cover - run.sh installs it
    print(f"FAIL setup: cannot import waldur_api_client ({e}); pip install waldur-api-client==8.1.3")
    print("0 passed, 1 failed")
    sys.exit(1)

LIST_PATH = "/api/marketplace-course-accounts/"
SYNC_ALL_PAGE_SIZE = 100  # what marketplace_course_accounts_list.sync_all always asks for


class Fail(Exception):
    """A check's assertion did not hold."""


def raw_account(d):
    """The fields the checks read, from a CourseAccount's JSON without the py-client's model."""
    return types.SimpleNamespace(
        uuid=UUID(d["uuid"]), email=d["email"], state=S(d["state"]), project_uuid=UUID(d["project_uuid"])
    )


def expect(condition, why):
    if not condition:
        raise Fail(why)


def status_text(e):
    body = e.content.decode(errors="replace")
    if len(body) > 160:
        body = body[:160] + "..."
    return f"UnexpectedStatus({e.status_code}) {body}"


def expect_unexpected_status(call, statuses, what):
    """Runs `call`, which must raise UnexpectedStatus with one of `statuses`; returns the exception."""
    try:
        result = call()
    except UnexpectedStatus as e:
        expect(e.status_code in statuses, f"{what}: expected status {statuses}, got {status_text(e)}")
        return e
    raise Fail(f"{what}: expected the py-client to raise UnexpectedStatus{tuple(statuses)}, it returned {result!r:.160}")


class Check:
    def __init__(self, args):
        self.args = args
        self.v8 = args.flavour == "8.1"
        self.project = UUID(args.project)
        self.erred = UUID(args.erred_account)
        self.ok_account = UUID(args.ok_account)
        self.missing = UUID(args.missing_account)
        self.tag = uuidlib.uuid4().hex[:8]
        self.requests = []  # (method, httpx.URL) of every request the py-client sends
        self.client = AuthenticatedClient(
            base_url=args.base_url.rstrip("/"),
            token=args.token,
            timeout=httpx.Timeout(30.0),
            httpx_args={"event_hooks": {"request": [lambda r: self.requests.append((r.method, r.url))]}},
        )
        self.passed = 0
        self.failed = 0
        self.closed_email = None  # the email of the account destroy closed, for create_bulk (closed)
        self.pending = None  # an account create_bulk made Pending, for destroy (Pending)

    def email(self, name):
        return f"pycheck.{self.tag}.{name}@example.edu"

    # -- reporting ---------------------------------------------------------------------------------

    def run(self, op, fn):
        try:
            result = fn()
        except Fail as e:
            self.failed += 1
            print(f"FAIL {op}: {e}")
            return
        except UnexpectedStatus as e:
            self.failed += 1
            print(f"FAIL {op}: the py-client raised {status_text(e)}")
            return
        except Exception as e:  # noqa: BLE001 - any other error is a failed check, with where it came from
            self.failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print(f"FAIL {op}: {type(e).__name__}: {e} (at {where.filename.split('/')[-1]}:{where.lineno})")
            return
        self.passed += 1
        if isinstance(result, tuple):
            limitation, what = result
            print(f"ok {op} (py-client limitation: {limitation}): {what}")
        else:
            print(f"ok {op}: {result}")

    # -- helpers -----------------------------------------------------------------------------------

    def get(self, uuid):
        return api_retrieve.sync(uuid, client=self.client)

    def count(self, **filters):
        return api_count.sync(client=self.client, **filters)

    def rows_with_email(self, email):
        """Every account of the project whose email is exactly `email` (icontains filter, then exact).
        Read raw: the rows may be Pending, which the py-client cannot decode (check_pending_accounts)."""
        params = {"email": email, "project_uuid": str(self.project), "page_size": 300}
        rows = self.client.get_httpx_client().get(LIST_PATH, params=params).json()
        return [raw_account(r) for r in rows if r["email"] == email]

    def bulk(self, emails):
        """create_bulk through the py-client: (status, rows, limitation or None)."""
        body = CourseAccountsBulkCreateRequest(
            project=self.project,
            course_accounts=[CourseAccountCreateNestedRequest(email=e, description="py-client check") for e in emails],
        )
        try:
            r = api_create_bulk.sync_detailed(client=self.client, body=body)
        except UnexpectedStatus as e:
            expect(
                e.status_code == 202,
                f"expected 202 (8.1.x) or 200 (7.8.7), the py-client raised {status_text(e)}",
            )
            # Pending rows have no user: Waldur leaves `user_uuid`/`username` out, and the py-client's
            # CourseAccount.from_dict cannot decode them (check_pending_accounts), so they are read raw.
            rows = [raw_account(d) for d in json.loads(e.content)]
            return 202, rows, (
                "marketplace_course_accounts_create_bulk._parse_response accepts only 200, so Waldur 8.1's 202 "
                "raises UnexpectedStatus(202) even from sync_detailed; the created rows are only in e.content"
            )
        return int(r.status_code), r.parsed, None

    def bulk_expect(self, emails):
        """bulk() plus the flavour's status: 8.1 answers 202, 7.8.7 200."""
        status, rows, limitation = self.bulk(emails)
        want = 202 if self.v8 else 200
        expect(status == want, f"create_bulk answered {status}, Waldur {self.args.flavour} answers {want}")
        return rows, limitation

    def fill(self, at_least):
        """Adds OK accounts (raw httpx single creates, not the py-client under test) until the list of
        OK accounts holds `at_least` rows. (Bulk-created rows are Pending, which the py-client cannot
        decode: see check_pending_accounts.)"""
        missing = at_least - self.count(state=[S.OK])
        for i in range(max(missing, 0)):
            body = {"project": str(self.project), "email": self.email(f"fill{i}")}
            r = self.client.get_httpx_client().post(LIST_PATH, json=body)
            expect(r.status_code == 201, f"setup: create of a fill account answered {r.status_code}")
        return max(missing, 0)

    # -- the checks ----------------------------------------------------------------------------------

    def check_retrieve(self):
        r = api_retrieve.sync_detailed(self.erred, client=self.client)
        expect(r.status_code == 200, f"retrieve answered {r.status_code}, expected 200")
        a = r.parsed
        expect(a.uuid == self.erred, f"asked for {self.erred}, got {a.uuid}")
        expect(a.state == S.ERRED, f"account {self.erred} is {a.state}, expected Erred")
        expect(a.project_uuid == self.project, f"account {self.erred} is in project {a.project_uuid}, expected {self.project}")
        b = self.get(self.ok_account)
        expect(b.uuid == self.ok_account and b.state == S.OK, f"account {self.ok_account}: {b.uuid} {b.state}, expected OK")
        expect_unexpected_status(lambda: self.get(self.missing), (404,), "retrieve of a missing account")
        return (
            f"200 CourseAccount {self.erred} Erred in the course project, {self.ok_account} OK; a missing account "
            "404 -> the py-client raises UnexpectedStatus(404) (retrieve._parse_response raises on 404)"
        )

    def check_list(self):
        r = api_list.sync_detailed(client=self.client, page_size=3)
        expect(r.status_code == 200, f"list answered {r.status_code}")
        expect(isinstance(json.loads(r.content), list), "the list body is not a bare JSON array")
        total = r.headers.get("x-result-count")
        expect(total is not None and total.isdigit(), f"X-Result-Count is {total!r}, expected an integer")
        total = int(total)
        expect(len(r.parsed) == min(3, total), f"page_size=3 gave {len(r.parsed)} rows of {total}")
        link = r.headers.get("link", "")
        if total > 3:
            expect('rel="next"' in link, f"{total} rows over pages of 3 but no Link rel=\"next\": {link!r}")
            nxt = [p for p in link.split(",") if 'rel="next"' in p][0]
            expect("page=2" in nxt and "page_size=3" in nxt, f"Link next {nxt.strip()!r} lacks page=2 / page_size=3")

        default = api_list.sync(client=self.client)
        expect(len(default) == min(10, total), f"no page_size gave {len(default)} rows of {total}, expected {min(10, total)}")
        big = api_list.sync(client=self.client, page_size=1000)
        expect(len(big) == min(300, total), f"page_size=1000 gave {len(big)} rows of {total}, expected {min(300, total)}")

        erred = api_list.sync_detailed(client=self.client, state=[S.ERRED], page_size=300)
        expect(erred.parsed and all(a.state == S.ERRED for a in erred.parsed), "state=Erred returned non-Erred rows or none")
        expect(any(a.uuid == self.erred for a in erred.parsed), f"state=Erred does not include {self.erred}")

        self.requests.clear()
        both = api_list.sync_detailed(client=self.client, state=[S.OK, S.ERRED], page_size=300)
        sent = self.requests[-1][1]
        expect(sent.params.get_list("state") == ["OK", "Erred"], f"state was not sent repeated: {sent}")
        expect(all(a.state in (S.OK, S.ERRED) for a in both.parsed), "state=OK&state=Erred returned other states")
        n_ok, n_erred = self.count(state=[S.OK]), self.count(state=[S.ERRED])
        expect(
            int(both.headers["x-result-count"]) == n_ok + n_erred,
            f"state=OK&state=Erred counts {both.headers['x-result-count']}, OK {n_ok} + Erred {n_erred}",
        )

        known = self.get(self.ok_account).email
        expect(known and "@" in known, f"account {self.ok_account} has no email to filter by")
        needle = known.split("@")[0][1:].upper()
        by_email = api_list.sync(client=self.client, email=needle, page_size=300)
        expect(any(a.uuid == self.ok_account for a in by_email), f"email={needle} (icontains) misses {known}")
        expect(all(needle.lower() in (a.email or "").lower() for a in by_email), f"email={needle} returned non-matching rows")
        return (
            f"page_size=3: bare array of 3, X-Result-Count {total}, Link next page=2; default 10 rows, "
            f"page_size=1000 gave {len(big)} of {total}{' (capped at 300)' if total > 300 else ' (all; cap 300 not reached)'}; "
            f"state=Erred only Erred; state=OK&state=Erred "
            f"repeated = {n_ok}+{n_erred}; email={needle} icontains finds {known}"
        )

    def check_count(self):
        self.requests.clear()
        r = api_count.sync_detailed(client=self.client)
        expect(self.requests and self.requests[-1][0] == "HEAD", f"count sent {self.requests[-1:]} instead of HEAD")
        expect(r.status_code == 200 and isinstance(r.parsed, int), f"count: {r.status_code} {r.parsed!r}")
        listed = api_list.sync_detailed(client=self.client, page_size=1)
        expect(
            r.parsed == int(listed.headers["x-result-count"]),
            f"HEAD counts {r.parsed}, GET says X-Result-Count {listed.headers['x-result-count']}",
        )
        n_erred = self.count(state=[S.ERRED])
        erred = api_list.sync(client=self.client, state=[S.ERRED], page_size=300)
        expect(n_erred == len(erred) or n_erred > 300, f"count(state=Erred) {n_erred}, list has {len(erred)}")
        exact = self.get(self.ok_account).email
        n_email = self.count(email=exact, project_uuid=self.project)
        expect(n_email >= 1, f"count(email={exact}) is {n_email}")
        return f"HEAD, X-Result-Count as int {r.parsed} = GET's; state=Erred {n_erred} = rows listed; email={exact} {n_email}"

    def check_pending_accounts(self):
        """Waldur leaves `user_uuid` and `username` out of an account that has no user yet (Pending:
        marketplace/serializers.py CourseAccountSerializer, DRF skips dotted-source fields of a missing
        object). The py-client's models/course_account.py reads d["user_uuid"] unconditionally."""
        if not self.v8:
            return "7.8.7 has no Pending accounts"
        rows = self.bulk([self.email("pending")])[1]
        expect(len(rows) == 1 and rows[0].state == S.PENDING, f"setup: bulk create made {rows}")
        raw = self.client.get_httpx_client().get(LIST_PATH + f"{rows[0].uuid.hex}/").json()
        expect("user_uuid" not in raw and "username" not in raw, f"the server sent user keys: {sorted(raw)}")
        try:
            api_retrieve.sync(rows[0].uuid, client=self.client)
        except KeyError as e:
            expect(e.args == ("user_uuid",), f"KeyError {e.args}")
            return (
                "models/course_account.py CourseAccount.from_dict reads d['user_uuid'] and raises KeyError for "
                "a Pending account, whose user keys Waldur leaves out",
                "retrieve of a Pending account: the keys are absent on the wire; the py-client raises KeyError('user_uuid')",
            )
        return "retrieve of a Pending account decodes"

    def check_sync_all(self):
        added = self.fill(SYNC_ALL_PAGE_SIZE + 5)
        total = self.count(state=[S.OK])
        self.requests.clear()
        # OK accounts only: a page holding a Pending account fails the py-client (check_pending_accounts).
        rows = api_list.sync_all(client=self.client, state=[S.OK])
        gets = [u for m, u in self.requests if m == "GET"]
        pages = math.ceil(total / SYNC_ALL_PAGE_SIZE)
        expect(len(rows) == total, f"sync_all returned {len(rows)} rows, count says {total}")
        expect(len({a.uuid for a in rows}) == total, "sync_all returned duplicate rows")
        expect(len(gets) == pages, f"sync_all sent {len(gets)} GETs for {total} rows in pages of 100, expected {pages}")
        expect(gets[1].params.get("page") == "2", f"the second request is {gets[1]}, expected page=2 from Link next")
        erred = api_list.sync_all(client=self.client, state=[S.ERRED])
        n_erred = self.count(state=[S.ERRED])
        expect(len(erred) == n_erred and all(a.state == S.ERRED for a in erred), f"sync_all(state=Erred) {len(erred)} vs {n_erred}")
        note = f" ({added} accounts added first so the list spans pages)" if added else ""
        return f"{total} rows, all distinct, over {pages} GETs following Link rel=next (page=2..){note}; state=Erred {n_erred}"

    def check_create(self):
        email = self.email("single")
        r = api_create.sync_detailed(
            client=self.client, body=CourseAccountRequest(project=self.project, email=email, description="py-client check")
        )
        expect(r.status_code == 201, f"create answered {r.status_code}, expected 201")
        a = r.parsed
        expect(a.email == email and a.project_uuid == self.project, f"created {a.email} in {a.project_uuid}")
        again = self.get(a.uuid)
        expect(again.email == email, f"retrieve of the created {a.uuid} says email {again.email}")
        n = self.count(email=email)
        expect(n == 1, f"count(email={email}) is {n} after create")
        self.single_email = email
        return f"201 CourseAccount {a.uuid} ({a.state.value}) {email} in the course project; retrieve and count(email) find it"

    def check_create_bulk(self):
        new1, new2 = self.email("bulk1"), self.email("bulk2")
        ok = self.get(self.ok_account)
        existing = ok.email
        expect(ok.project_uuid == self.project, f"precondition: {self.ok_account} is not in the course project")
        if self.v8:
            emails = [new1, new2, new1, existing]
            rows, limitation = self.bulk_expect(emails)
            got = sorted(a.email for a in rows)
            expect(got == sorted([new1, new2]), f"[new1, new2, new1, existing] created {got}, expected only new1 and new2")
            expect(all(a.state == S.PENDING for a in rows), f"created rows are {[a.state.value for a in rows]}, expected Pending")
            expect(all(a.project_uuid == self.project for a in rows), "created rows are in another project")
            expect(len(self.rows_with_email(new1)) == 1, f"{new1} has {len(self.rows_with_email(new1))} accounts, expected 1")
            expect(len(self.rows_with_email(existing)) == 1, f"{existing} got a second account")
            self.pending = rows[0].uuid
            what = "202 with 2 Pending rows for [new1, new2, new1(dup), email of an OK account]: dup and existing skipped"
        else:
            rows, limitation = self.bulk_expect([new1, new2])
            got = sorted(a.email for a in rows)
            expect(got == sorted([new1, new2]), f"[new1, new2] created {got}")
            expect(len(self.rows_with_email(new1)) == 1, f"{new1} has {len(self.rows_with_email(new1))} accounts, expected 1")
            what = "200 with the 2 created rows, each listed once afterwards"
        return (limitation, what) if limitation else what

    def check_create_bulk_existing(self):
        expect(self.single_email, "precondition: `create` made no account")
        new3 = self.email("bulk3")
        rows, limitation = self.bulk_expect([new3, self.single_email])
        expect([a.email for a in rows] == [new3], f"[new, existing] returned {[a.email for a in rows]}, expected only {new3}")
        expect(len(self.rows_with_email(self.single_email)) == 1, f"{self.single_email} got a second account")
        what = f"[new, email created by `create`] returns 1 row ({new3})"
        return (limitation, what) if limitation else what

    def check_create_bulk_exact(self):
        lower = self.email("case")
        upper = lower.replace("pycheck", "PyCheck")
        rows, limitation = self.bulk_expect([upper, lower])
        got = sorted(a.email for a in rows)
        expect(got == sorted([upper, lower]), f"[{upper}, {lower}] created {got}; Waldur compares emails exactly, expected both")
        what = "emails differing only in case are different emails: both created"
        return (limitation, what) if limitation else what

    def check_destroy(self):
        before = self.get(self.ok_account)
        expect(before.state == S.OK, f"precondition: {self.ok_account} is {before.state.value}, expected OK")
        # Waldur's code answers 204 without a body on every release (no `destroy` override in
        # marketplace/views.py; the newest tests assert 204). The 8.1.3 py-client expects 202 + a body.
        expect_unexpected_status(lambda: api_destroy.sync_detailed(self.ok_account, client=self.client), (204,), "destroy")
        limitation = "marketplace_course_accounts_destroy._parse_response accepts only 202 + a body, so Waldur's 204 raises UnexpectedStatus(204)"
        what = f"the account is Closed on the server afterwards, confirmed by retrieve ({self.ok_account})"
        after = self.get(self.ok_account)
        expect(after.state == S.CLOSED, f"after destroy {self.ok_account} is {after.state.value}, expected Closed")
        self.closed_email = after.email
        return (limitation, what) if limitation else what

    def check_destroy_closed(self):
        expect(self.closed_email, "precondition: destroy did not close an account")
        e = expect_unexpected_status(lambda: api_destroy.sync(self.ok_account, client=self.client), (409,), "destroy of a Closed account")
        expect(self.get(self.ok_account).state == S.CLOSED, "the account is no longer Closed")
        return f"409 -> the py-client raises UnexpectedStatus(409) (409 is not in its schema); body {e.content.decode()[:80]}"

    def check_destroy_pending(self):
        expect(self.pending, "precondition: create_bulk made no Pending account")
        expect_unexpected_status(lambda: api_destroy.sync(self.pending, client=self.client), (409,), "destroy of a Pending account")
        state = self.client.get_httpx_client().get(LIST_PATH + f"{self.pending.hex}/").json()["state"]
        expect(state == "Pending", f"the Pending account is now {state}")
        return "destroy of a Pending account: 409 (UnexpectedStatus(409)), the account stays Pending"

    def check_retry(self):
        before = self.get(self.erred)
        expect(before.state == S.ERRED, f"precondition: {self.erred} is {before.state.value}, expected Erred")
        if not self.v8:
            e = expect_unexpected_status(lambda: api_retry.sync(self.erred, client=self.client), (404, 405), "retry on 7.8.7")
            expect(self.get(self.erred).state == S.ERRED, "retry changed the account on 7.8.7")
            return f"7.8.7 has no retry route: {e.status_code} -> UnexpectedStatus({e.status_code}); the account stays Erred"
        r = api_retry.sync_detailed(self.erred, client=self.client)
        expect(r.status_code == 202, f"retry answered {r.status_code}, expected 202")
        expect(r.parsed.uuid == self.erred and r.parsed.state == S.PENDING, f"the body is {r.parsed.uuid} {r.parsed.state}")
        expect(self.get(self.erred).state == S.PENDING, "retrieve after retry is not Pending")
        ok = api_list.sync(client=self.client, state=[S.OK], page_size=1)
        if ok:
            expect_unexpected_status(lambda: api_retry.sync(ok[0].uuid, client=self.client), (409,), "retry of an OK account")
            expect(self.get(ok[0].uuid).state == S.OK, "retry of an OK account changed it")
        return f"202 + the account, Pending (retrieve agrees); retry of an OK account: 409 -> UnexpectedStatus(409)"

    def check_create_bulk_closed(self):
        expect(self.closed_email, "precondition: destroy did not close an account")
        before = self.rows_with_email(self.closed_email)
        expect(
            [a.state for a in before] == [S.CLOSED],
            f"precondition: {self.closed_email} has {[a.state.value for a in before]}, expected one Closed account",
        )
        rows, limitation = self.bulk_expect([self.closed_email])
        after = self.rows_with_email(self.closed_email)
        expect(
            rows == [] and len(after) == 1,
            f"bulk of {self.closed_email} (its account is Closed) created {len(rows)} row(s), now {len(after)} accounts "
            f"({[a.state.value for a in after]}); Waldur skips emails with an account in ANY state",
        )
        what = f"202 []: {self.closed_email}, whose account is Closed, gets no new account"
        return (limitation, what) if limitation else what

    def main(self):
        self.single_email = None
        self.run("retrieve", self.check_retrieve)
        self.run("list", self.check_list)
        self.run("count", self.check_count)
        self.run("sync_all", self.check_sync_all)
        self.run("create", self.check_create)
        self.run("create_bulk", self.check_create_bulk)
        if self.v8:
            self.run("retrieve (Pending)", self.check_pending_accounts)
        if self.v8:
            self.run("create_bulk (existing)", self.check_create_bulk_existing)
            self.run("create_bulk (exact email compare)", self.check_create_bulk_exact)
        self.run("destroy", self.check_destroy)
        self.run("destroy (Closed)", self.check_destroy_closed)
        if self.v8:
            self.run("destroy (Pending)", self.check_destroy_pending)
        self.run("retry", self.check_retry)
        if self.v8:
            self.run("create_bulk (closed)", self.check_create_bulk_closed)
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:18788")
    p.add_argument("--token", required=True)
    p.add_argument("--flavour", choices=["8.1", "7.8.7"], default="8.1", help="which Waldur release answers [8.1]")
    p.add_argument("--project", default="00000000-0000-4000-8001-000000000001", help="a course project with an end date")
    p.add_argument("--erred-account", default="00000000-0000-4000-8002-000000000007", help="an Erred account in it")
    p.add_argument("--ok-account", default="00000000-0000-4000-8002-00000000001b", help="an OK account in it (gets closed)")
    p.add_argument("--missing-account", default="00000000-0000-4000-8009-000000000009", help="a uuid no account has")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(Check(parse_args(sys.argv[1:])).main())
