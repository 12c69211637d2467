"""The dashboard check (ops/check/dashboard): the dashboard at /ui in a real browser.

It starts a `conveyor api` with an admin key and two producer keys of two tenants, and drives
Debian's chromium through Playwright (the system browser: nothing is downloaded) as a person
would:
- as the admin: signs in; watches a queue fill with drill.ledger jobs and, once a worker
  starts, drain, without reloading; opens a job and sees its attempt's timings; finds a
  delayed job on the scheduled page and runs it now; finds a failing job on the retrying
  page; finds a job by the X-Request-ID it was enqueued with; makes a drill.fail job die,
  retries it from the dead page and sees it succeed; pauses and resumes a queue; opens an
  import's page before any worker takes the imports queue, follows its progress bar to done
  once one does, and finds the import in the imports list; downloads an export and checks
  its SHA-256, and downloads it from the exports list; checks that a page left open for a
  while does not grow the browser's memory; signs out;
- as a producer: cannot see the other tenant's job, nor reach an admin page by URL or an
  admin action by posting its form (403); sees only its own tenant's rows in the scheduled,
  imports and exports lists and in a search by request id, and gets 403 for the scheduled
  jobs' actions; a form without its CSRF token is a 403;
- a wrong key at sign-in gets the one generic message; a tampered cookie signs out.
It writes a screenshot of each page under .data/screenshots, prints "N passed, M failed",
exits 1 on a failure, 2 when it could not go on.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import sys
import time

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drill"))
from drill_support import API, ROOT, Drill, DrillError, Service, drive, log  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = os.path.join(ROOT, ".data", "screenshots")
LEDGER_JOBS = 400


class DashboardCheck(Drill):
    def __init__(self, options):
        # A tenant of its own each run, so that the import's rows are new rows.
        super().__init__(options, f"dash{os.getpid()}", None, os.environ["CONVEYOR_DATABASE_URL"])
        self.queue = f"t-dash-{os.getpid()}"
        self.admin_key = "ck_dash_admin_" + secrets.token_hex(16)
        self.rival_key = "ck_rival_" + secrets.token_hex(16)
        self.browser = None

    def title(self):
        return "Dashboard check: /ui in chromium, as an admin and as a producer"

    def base_environment(self):
        environment = super().base_environment()
        environment["CONVEYOR_API_KEYS"] += f";dash-admin admin {self.tenant} {self.admin_key};rival producer rival {self.rival_key}"
        environment["CONVEYOR_QUEUES_ALLOWED"] = "t-*"
        environment["CONVEYOR_UI_SECRET"] = secrets.token_hex(32)
        return environment

    def start(self):
        self.apis = [API(self, "api", self.base_environment())]
        self.start_services()
        self.base = f"http://127.0.0.1:{self.apis[0].port}"

    def start_worker(self, name, queues):
        worker = Service(self, name, ["worker", "--queues", queues, "--concurrency", "20"], self.base_environment())
        worker.start()
        self.workers.append(worker)
        self.services.append(worker)
        worker.await_log("worker started", 1)

    # MARK: The API, as the workload's producer

    def request(self, method, path, key, body=None, content_type="application/json", headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.apis[0].port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {key}", **(headers or {})}
            if body is not None:
                headers["Content-Type"] = content_type
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def enqueue(self, job, key=None, headers=None):
        status, data = self.request("POST", "/v1/jobs", key or self.producer_key, json.dumps(job), headers=headers)
        if status != 202:
            raise DrillError(f"POST /v1/jobs answered {status}: {data[:300]!r}")
        return json.loads(data)["id"]

    def delayed(self, key=None):
        """Enqueues a noop job due in an hour; returns its id."""
        run_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return self.enqueue({"kind": "noop", "queue": self.queue, "run_at": run_at}, key=key)

    # MARK: The browser

    def run(self):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        with sync_playwright() as playwright:
            self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--js-flags=--expose-gc"])
            try:
                admin = self.browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
                page = admin.new_page()
                page.set_default_timeout(30_000)
                self.as_admin(admin, page)
                admin.close()
                producer = self.browser.new_context(viewport={"width": 1280, "height": 900})
                self.as_producer(producer, producer.new_page())
                producer.close()
                strangers = self.browser.new_context(viewport={"width": 1280, "height": 900})
                self.as_stranger(strangers, strangers.new_page())
                strangers.close()
            finally:
                self.browser.close()

    def shot(self, page, name, full_page=True):
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=full_page)

    def api_rss(self):
        """The API process's resident memory, in KiB."""
        with open(f"/proc/{self.apis[0].pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    def step(self, name, action):
        """Runs one check; a timeout or a failed expectation in it fails it, and the next go on."""
        try:
            passed, detail = action()
        except Exception as error:  # noqa: BLE001 - a browser step's failure is the check's finding
            passed, detail = False, f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        self.result(passed, name, detail)
        log(f"{'PASS' if passed else 'FAIL'} {name}: {detail}")

    def sign_in(self, page, key):
        page.goto(f"{self.base}/ui/sign-in")
        page.fill("input[name=key]", key)
        with page.expect_navigation():
            page.click("form.sign-in button")
        return page

    def reload_until(self, page, path, selector, seconds):
        """Loads `path` again every half second until it shows `selector`, for figures that a
        page shows when loaded rather than live; at most `seconds`."""
        deadline = time.time() + seconds
        page.goto(self.base + path)
        while page.locator(selector).count() == 0 and time.time() < deadline:
            time.sleep(0.5)
            page.goto(self.base + path)

    def live_text(self, page, name):
        return page.locator(f'[data-live="{name}"]').first.inner_text()

    def row_of(self, page, href):
        """The table row of the open page that links to `href`."""
        return page.locator("tr", has=page.locator(f'a[href="{href}"]'))

    def press_until_succeeded(self, page, job, button):
        """Presses `button` in the row of `job` on the open page, then watches the job's page
        until it has succeeded; returns the note the press left."""
        with page.expect_navigation():
            self.row_of(page, f"/ui/jobs/{job}").locator("button", has_text=button).click()
        note = page.locator("p.note").inner_text()
        page.goto(f"{self.base}/ui/jobs/{job}")
        expect(page.locator('[data-live="job.state"]')).to_have_text("succeeded", timeout=30_000)
        return note

    def as_admin(self, context, page):
        def sign_in():
            self.sign_in(page, self.admin_key)
            cookie = next((c for c in context.cookies() if c["name"] == "conveyor_session"), None)
            good = (page.url == f"{self.base}/ui" and cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
                    and cookie["path"] == "/ui" and self.admin_key not in cookie["value"])
            return good, f"at {page.url}; cookie httpOnly={cookie and cookie['httpOnly']}, sameSite={cookie and cookie['sameSite']}, path={cookie and cookie['path']}"
        self.step("an admin signs in", sign_in)

        self.ledger_ids = []

        def fill_and_drain():
            # The queue exists once it has had a job: one, then the page, then the rest.
            self.ledger_ids.append(self.enqueue({"kind": "drill.ledger", "payload": {"ms": 5}, "queue": self.queue}))
            # The test servers hold every test's queues: the page shows those whose name matches.
            page.goto(f"{self.base}/ui/queues?name={self.queue}")
            page.wait_for_selector("html[data-live-connected=yes]")
            for start in range(1, LEDGER_JOBS, 100):
                jobs = [{"kind": "drill.ledger", "payload": {"ms": 5}, "queue": self.queue} for _ in range(min(100, LEDGER_JOBS - start))]
                status, data = self.request("POST", "/v1/jobs/bulk", self.producer_key, json.dumps({"jobs": jobs}))
                if status != 202:
                    raise DrillError(f"POST /v1/jobs/bulk answered {status}")
                self.ledger_ids += json.loads(data)["ids"]
            depth = f'[data-live="queue.{self.queue}.depth"]'
            expect(page.locator(depth)).to_have_text(str(LEDGER_JOBS), timeout=20_000)
            self.shot(page, "queues-filled")
            self.start_worker("worker", f"{self.queue}:1,default:1")
            expect(page.locator(depth)).to_have_text("0", timeout=90_000)
            succeeded = self.live_text(page, f"queue.{self.queue}.succeeded")
            rows = page.locator("table.queues tbody tr").count()
            self.shot(page, "queues")
            return rows == 1, f"ready {LEDGER_JOBS} then 0 on the open page, {succeeded} succeeded, no reload; {rows} queue(s) shown"
        self.step("a queue fills and drains, live", fill_and_drain)

        def job_timings():
            job = self.ledger_ids[0]
            self.reload_until(page, f"/ui/jobs/{job}", "tr.attempt", 20)
            phases = {phase: page.locator(f'tr.attempt [data-phase="{phase}"]').first.inner_text()
                      for phase in ["wait", "run", "pool-wait", "db", "external", "redis"]}
            state = self.live_text(page, "job.state")
            self.shot(page, "job")
            # A drill.ledger attempt writes its row in PostgreSQL: its database time shows.
            timed = all(text.endswith(("ms", "s")) for text in phases.values()) and phases["db"] != "0.00 ms"
            return state == "succeeded" and timed, f"{job}: {state}, attempt 1: " + ", ".join(f"{k} {v}" for k, v in phases.items())
        self.step("a job's page shows its attempt's timings", job_timings)

        def run_scheduled_now():
            delayed = self.delayed()
            page.goto(f"{self.base}/ui/scheduled?queue={self.queue}")
            due = self.row_of(page, f"/ui/jobs/{delayed}").locator("td").nth(4).inner_text()
            self.shot(page, "scheduled")
            note = self.press_until_succeeded(page, delayed, "Run now")
            return True, f"{delayed}, due {due}, listed; Run now: \"{note}\"; it succeeded, seen on its page"
        self.step("a delayed job is listed as scheduled and Run now runs it", run_scheduled_now)

        def retrying_list():
            failing = self.enqueue({"kind": "drill.fail", "queue": self.queue, "max_attempts": 40,
                                    "payload": {"message": "dashboard check: fails for a while",
                                                "fail_until_ms": int((time.time() + 30) * 1000)}})
            self.reload_until(page, f"/ui/retrying?queue={self.queue}", f'a[href="/ui/jobs/{failing}"]', 20)
            row = self.row_of(page, f"/ui/jobs/{failing}")
            error = row.locator("td.error").inner_text()
            attempts = row.locator("td.number").inner_text()
            self.shot(page, "retrying")
            return "fails for a while" in error, f"{failing} listed as retrying: attempts {attempts}, last error \"{error}\""
        self.step("a failing job with retries is listed as retrying", retrying_list)

        def search_by_request_id():
            self.request_id = "dash-check-" + secrets.token_hex(8)
            self.searched = self.enqueue({"kind": "noop", "queue": self.queue}, headers={"X-Request-ID": self.request_id})
            page.goto(f"{self.base}/ui/jobs")
            deadline = time.time() + 20
            while True:
                page.fill("input[name=request_id]", self.request_id)
                with page.expect_navigation():
                    page.click("form.filter button")
                found = page.locator(f'a[href="/ui/jobs/{self.searched}"]').count()
                if found or time.time() > deadline:
                    break
                time.sleep(0.5)
            rows = page.locator("tbody tr").count()
            self.shot(page, "jobs-by-request-id")
            return found == 1 and rows == 1, f"X-Request-ID {self.request_id}: {rows} row(s), its job {self.searched} {'found' if found else 'missing'}"
        self.step("a search by request id finds the job of that request", search_by_request_id)

        def retry_dead():
            fails_until = time.time() + 3
            failing = self.enqueue({"kind": "drill.fail", "queue": self.queue, "max_attempts": 1,
                                    "payload": {"message": "dashboard check: dies once", "fail_until_ms": int(fails_until * 1000)}})
            self.reload_until(page, f"/ui/dead?queue={self.queue}", f'a[href="/ui/jobs/{failing}"]', 30)
            self.shot(page, "dead")
            time.sleep(max(0.0, fails_until + 0.5 - time.time()))
            done = self.press_until_succeeded(page, failing, "Retry")
            return True, f"{failing} died, was retried from the dead page ({done}) and succeeded, seen live on its page"
        self.step("a dead job is retried from the dead page and succeeds", retry_dead)

        def pause_resume():
            page.goto(f"{self.base}/ui/queues?name={self.queue}")
            row = self.row_of(page, f"/ui/dead?queue={self.queue}")
            with page.expect_navigation():
                row.locator("button", has_text="Pause").click()
            paused = self.live_text(page, f"queue.{self.queue}.state")
            self.shot(page, "queues-paused")
            row = self.row_of(page, f"/ui/dead?queue={self.queue}")
            with page.expect_navigation():
                row.locator("button", has_text="Resume").click()
            resumed = self.live_text(page, f"queue.{self.queue}.state")
            return paused == "paused" and resumed == "running", f"after Pause: {paused}; after Resume: {resumed}"
        self.step("a queue is paused and resumed", pause_resume)

        def follow_import():
            record = self.upload_products(60_000, 1_000, api=self.apis[0], timeout=120)
            if record is None:
                raise DrillError("the products upload was not accepted")
            # No worker takes the imports queue yet, so the page opens on a bar that has not
            # moved, however fast the machine; the worker started next moves it, live.
            page.goto(f"{self.base}/ui/imports/{record['id']}")
            page.wait_for_selector("html[data-live-connected=yes]")
            first = page.locator("progress").get_attribute("value")
            self.start_worker("import-worker", "imports:1")
            expect(page.locator('[data-live="import.state"]')).to_have_text("succeeded", timeout=120_000)
            value = int(page.locator("progress").evaluate("bar => bar.value"))
            rows = self.live_text(page, "import.rows")
            self.shot(page, "import")
            return int(first) < 100 and value == 100, f"import {record['id']}: bar at {first} % when opened, {value} % at the end; {rows}"
        self.step("an import's progress bar is followed to done", follow_import)

        def imports_list():
            record = self.imports[-1]
            page.goto(f"{self.base}/ui/imports")
            row = self.row_of(page, f"/ui/imports/{record['id']}")
            value = int(row.locator("progress").evaluate("bar => bar.value"))
            state = row.locator("td").nth(3).inner_text()
            self.shot(page, "imports")
            return value == 100 and state == "succeeded", f"import {record['id']} listed: {state}, its bar at {value} %"
        self.step("the imports list shows the import with its progress", imports_list)

        def download_export():
            status, data = self.request("POST", "/v1/exports", self.producer_key, json.dumps({"export": "products", "format": "csv"}))
            if status != 202:
                raise DrillError(f"POST /v1/exports answered {status}")
            export = self.export = json.loads(data)["id"]
            self.reload_until(page, f"/ui/exports/{export}", "a[download]", 60)
            self.shot(page, "export")
            with page.expect_download() as info:
                page.click("a[download]")
            download = info.value
            path = os.path.join(self.data, download.suggested_filename)
            download.save_as(path)
            with open(path, "rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
            _, record = self.request("GET", f"/v1/exports/{export}", self.producer_key)
            expected = json.loads(record)["sha256"]
            return digest == expected, f"{download.suggested_filename}, {os.path.getsize(path)} bytes, SHA-256 {'matches' if digest == expected else 'differs from'} the record's"
        self.step("an export is downloaded from its page", download_export)

        def exports_list():
            page.goto(f"{self.base}/ui/exports")
            row = self.row_of(page, f"/ui/exports/{self.export}")
            link = row.locator("a[download]").get_attribute("href")
            self.shot(page, "exports")
            with page.expect_download() as info:
                row.locator("a[download]").click()
            name = info.value.suggested_filename
            return link == f"/ui/exports/{self.export}/file", f"export {self.export} listed with its download {link} ({name})"
        self.step("the exports list links the export's download", exports_list)

        def other_pages():
            statuses = []
            for name in ["workers", "breakers", "jobs", "dead", "caches", "schedules"]:
                response = page.goto(f"{self.base}/ui/{name}")
                statuses.append(f"{name} {response.status}")
                self.shot(page, name)
            return all(s.endswith("200") for s in statuses), ", ".join(statuses)
        self.step("the workers, breakers, jobs, dead, caches and schedules pages", other_pages)

        def steady_memory():
            hold = self.options.hold
            page.goto(f"{self.base}/ui")
            page.wait_for_selector("html[data-live-connected=yes]")
            time.sleep(4)
            samples = []

            def sample():
                page.evaluate("window.gc()")
                heap, elements = page.evaluate("[performance.memory.usedJSHeapSize, document.getElementsByTagName('*').length]")
                samples.append((round(time.time() - started), heap, elements, self.api_rss()))
                log(f"after {samples[-1][0]} s: JS heap {heap / 1024:.0f} KiB, {elements} elements, the API's RSS {samples[-1][3] / 1024:.1f} MiB")

            started = time.time()
            sample()
            # A trickle of jobs through the worker, so that the figures the page shows keep changing.
            while time.time() - started < hold:
                time.sleep(min(10, max(0, hold - (time.time() - started))))
                self.enqueue({"kind": "drill.ledger", "payload": {"ms": 1}, "queue": self.queue})
                if time.time() - samples[-1][0] - started >= min(60, hold):
                    sample()
            # The window's worth: the test servers hold every test's queues below it.
            self.shot(page, "overview", full_page=False)
            sample()
            first, last = samples[0], samples[-1]
            heap_growth, rss_growth = last[1] - first[1], last[3] - first[3]
            return heap_growth < 512 * 1024 and last[2] == first[2] and rss_growth < 16 * 1024, (
                f"over {last[0]} s of live updates the JS heap went {first[1] / 1024:.0f} → {last[1] / 1024:.0f} KiB "
                f"(at most {max(x[1] for x in samples) / 1024:.0f}), the page's elements {first[2]} → {last[2]}, "
                f"the API's RSS {first[3] / 1024:.1f} → {last[3] / 1024:.1f} MiB (at most {max(x[3] for x in samples) / 1024:.1f})")
        self.step("an open page's memory stays flat under live updates", steady_memory)

        def sign_out():
            with page.expect_navigation():
                page.click("form.sign-out button")
            at = page.url
            cookie = [c for c in context.cookies() if c["name"] == "conveyor_session"]
            page.goto(f"{self.base}/ui/queues")
            return at.endswith("/ui/sign-in") and not cookie and page.url.endswith("/ui/sign-in"), f"at {at}; the cookie gone: {not cookie}; /ui/queues then goes to {page.url}"
        self.step("signing out ends the session", sign_out)

    def as_producer(self, context, page):
        rival_job = self.enqueue({"kind": "noop", "queue": self.queue}, key=self.rival_key)
        own_delayed, rival_delayed = self.delayed(), self.delayed(key=self.rival_key)
        rival_request = "dash-rival-" + secrets.token_hex(8)
        rival_searched = self.enqueue({"kind": "noop", "queue": self.queue}, key=self.rival_key, headers={"X-Request-ID": rival_request})
        status, data = self.request("POST", "/v1/exports", self.rival_key, json.dumps({"export": "products", "format": "json"}))
        rival_export = json.loads(data)["id"] if status == 202 else None
        row = json.dumps({"sku": f"RIVAL-{os.getpid()}-1", "name": "Rival product", "category": None, "price_cents": 1, "quantity": 1})
        status, data = self.request("POST", "/v1/imports/products", self.rival_key, row + "\n", "application/x-ndjson")
        rival_import = json.loads(data)["id"] if status == 202 else None
        self.sign_in(page, self.producer_key)

        def hidden():
            response = page.goto(f"{self.base}/ui/jobs/{rival_job}")
            text = page.locator("main").inner_text()
            self.shot(page, "not-found")
            return response.status == 404 and "rival" not in text, f"{response.status}: {page.locator('p.problem').inner_text()}"
        self.step("a producer cannot see another tenant's job", hidden)

        def by_url():
            statuses = [f"{path} {page.goto(self.base + path).status}" for path in ["/ui/queues", "/ui/dead", "/ui/workers", f"/ui/dead/confirm?action=retry&queue={self.queue}"]]
            self.shot(page, "forbidden")
            return all(s.endswith("403") for s in statuses), ", ".join(statuses)
        self.step("a producer reaches no admin page by URL", by_url)

        def own_rows():
            seen = {}
            for name, path, own, rival in [
                ("scheduled", f"/ui/scheduled?queue={self.queue}", f"/ui/jobs/{own_delayed}", f"/ui/jobs/{rival_delayed}"),
                ("imports", "/ui/imports", f"/ui/imports/{self.imports[-1]['id']}", f"/ui/imports/{rival_import}"),
                ("exports", "/ui/exports", f"/ui/exports/{self.export}", f"/ui/exports/{rival_export}"),
            ]:
                page.goto(self.base + path)
                seen[name] = (page.locator(f'a[href="{own}"]').count(), page.locator(f'a[href="{rival}"]').count())
                self.shot(page, f"producer-{name}")
            # The other tenant's job is in the job history once it has run and its worker has written the history.
            deadline = time.time() + 20
            while json.loads(self.request("GET", f"/v1/jobs/{rival_searched}", self.rival_key)[1])["state"] != "succeeded" and time.time() < deadline:
                time.sleep(0.5)
            time.sleep(1.5)
            page.goto(f"{self.base}/ui/jobs?request_id={self.request_id}")
            own = page.locator(f'a[href="/ui/jobs/{self.searched}"]').count()
            page.goto(f"{self.base}/ui/jobs?request_id={rival_request}")
            seen["jobs by request id"] = (own, page.locator(f'a[href="/ui/jobs/{rival_searched}"]').count())
            good = rival_import and rival_export and all(own == 1 and rival == 0 for own, rival in seen.values())
            return bool(good), "; ".join(f"{name}: own {own}, the other tenant's {rival}" for name, (own, rival) in seen.items())
        self.step("a producer's lists show its own tenant's rows only", own_rows)

        def no_schedule_actions():
            page.goto(f"{self.base}/ui/scheduled?queue={self.queue}")
            buttons = page.locator("form[action^='/ui/scheduled/'] button").count()
            token = page.locator("input[name=csrf]").first.get_attribute("value")
            statuses = []
            for action in ["run-now", "cancel"]:
                with page.expect_navigation() as info:
                    page.evaluate("""([action, token, id]) => {
                        const form = document.createElement('form'); form.method = 'post'; form.action = action;
                        for (const [name, value] of [['csrf', token], ['id', id]]) {
                            const field = document.createElement('input'); field.type = 'hidden'; field.name = name; field.value = value;
                            form.appendChild(field); }
                        document.body.appendChild(form); form.submit(); }""", [f"/ui/scheduled/{action}", token, own_delayed])
                statuses.append(f"{action} {info.value.status}")
            _, data = self.request("GET", f"/v1/jobs/{own_delayed}", self.producer_key)
            state = json.loads(data)["state"]
            return buttons == 0 and all(s.endswith("403") for s in statuses) and state == "scheduled", (
                f"no buttons ({buttons}); posted with the session's token: {', '.join(statuses)}; the job still {state}")
        self.step("a producer gets 403 for the scheduled jobs' actions", no_schedule_actions)

        def by_form():
            page.goto(f"{self.base}/ui")
            token = page.locator("input[name=csrf]").first.get_attribute("value")
            with page.expect_navigation() as info:
                page.evaluate("""([action, token]) => {
                    const form = document.createElement('form'); form.method = 'post'; form.action = action;
                    const field = document.createElement('input'); field.type = 'hidden'; field.name = 'csrf'; field.value = token;
                    form.appendChild(field); document.body.appendChild(form); form.submit(); }""", [f"/ui/queues/{self.queue}/pause", token])
            paused = json.loads(self.request("GET", "/v1/queues", self.admin_key)[1])
            state = next((q["paused"] for q in paused["queues"] if q["name"] == self.queue), None)
            return info.value.status == 403 and state is False, f"POST pause with the session's own token: {info.value.status}; the queue paused: {state}"
        self.step("a producer's post of an admin form is refused", by_form)

        def without_token():
            page.goto(f"{self.base}/ui")
            with page.expect_navigation() as info:
                page.evaluate("""() => { const form = document.createElement('form'); form.method = 'post';
                    form.action = '/ui/sign-out'; document.body.appendChild(form); form.submit(); }""")
            text = page.locator("p.problem").inner_text()
            self.shot(page, "csrf-refused")
            return info.value.status == 403 and "security token was missing or did not match" in text, f"{info.value.status}: {text}"
        self.step("a form posted without its CSRF token is a 403", without_token)

    def as_stranger(self, context, page):
        def wrong_key():
            page.goto(f"{self.base}/ui/sign-in")
            self.shot(page, "sign-in")
            page.fill("input[name=key]", self.admin_key[:-1] + ("0" if self.admin_key[-1] != "0" else "1"))
            with page.expect_response(lambda response: response.url.endswith("/ui/sign-in") and response.request.method == "POST") as info:
                page.click("form.sign-in button")
            text = page.locator("p.problem").inner_text()
            self.shot(page, "sign-in-refused")
            return info.value.status == 401 and text == "That API key is not valid.", f"{info.value.status}: {text}"
        self.step("a wrong key at sign-in gets the generic message", wrong_key)

        def tampered():
            self.sign_in(page, self.producer_key)
            cookie = next(c for c in context.cookies() if c["name"] == "conveyor_session")
            name, issued, expires, signature = cookie["value"].rsplit(".", 3)
            context.add_cookies([{**cookie, "value": f"dash-admin.{issued}.{expires}.{signature}"}])
            page.goto(f"{self.base}/ui/queues")
            left = [c for c in context.cookies() if c["name"] == "conveyor_session"]
            return page.url.endswith("/ui/sign-in?ended=1") and not left, f"a producer's cookie renamed to the admin key: at {page.url}, cookie cleared: {not left}"
        self.step("a tampered cookie signs out", tampered)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=int, default=24,
                        help="seconds an open page is watched for growth of the browser's and the API's memory")
    return drive("dashboard", DashboardCheck, parser)


if __name__ == "__main__":
    sys.exit(main())
