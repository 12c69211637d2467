"""The metrics check (ops/check/metrics): every process's /metrics read by promtool and by a
real Prometheus.

It starts a `conveyor api`, a `conveyor worker` and a `conveyor scheduler` (both with
--metrics-port), runs drill.ledger jobs and a schedule's ticks through them, then:
- reads each process's /metrics and passes it through `promtool check metrics`;
- checks that the series the README and the Grafana dashboard name are there: the per-phase
  histograms per kind, the pool, the history writer's dropped rows, the slots, the ticks;
- checks the worker's /health, and that its /metrics asks for the metrics token;
- checks the example scrape configuration and alert rules of ops/deploy/prometheus with
  promtool, and that every series the dashboard of ops/deploy/grafana queries is served;
- starts a Prometheus on loopback that scrapes the three, and asks it a query over the API's
  and the worker's series.
Prints "N passed, M failed"; exits 1 on a failure, 2 when it could not go on.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drill"))
from drill_support import API, ROOT, Drill, DrillError, Service, drive, free_port, log  # noqa: E402

JOBS = 40
# Series that a process makes at their first event, which this check's jobs do not cause: the
# dashboard and alerts may query them before any process serves them.
FIRST_USE = {"conveyor_external_calls_total": "made at a process's first external call"}
METRICS_TOKEN = "check-metrics-token-0123456789"


def get(port, path, token=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def families(text):
    """The metric names of an exposition: each family's, and each sample's."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split(" ")[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


class MetricsCheck(Drill):
    def __init__(self, options):
        super().__init__(options, "metrics", None, os.environ["CONVEYOR_DATABASE_URL"])
        self.queue = f"t-metrics-{os.getpid()}"
        self.worker_port = free_port()
        self.scheduler_port = free_port()
        self.prometheus = None

    def title(self):
        return "Metrics check: promtool on every process's /metrics, and a Prometheus that scrapes them"

    def base_environment(self):
        environment = super().base_environment()
        environment["CONVEYOR_METRICS_TOKEN"] = METRICS_TOKEN
        environment["CONVEYOR_QUEUES_ALLOWED"] = "t-*"
        return environment

    def start(self):
        environment = self.base_environment()
        schedules = os.path.join(self.data, "schedules")
        os.makedirs(schedules, exist_ok=True)
        with open(os.path.join(schedules, "metrics-tick.schedule"), "w") as schedule:
            schedule.write("cron      * * * * * *\nkind      drill.ledger\npayload   {\"ms\": 10}\n"
                           f"queue     {self.queue}\ntenant    {self.tenant}\nmissed    skip\n")
        self.apis = [API(self, "api", environment)]
        self.workers = [Service(self, "worker", ["worker", "--queues", self.queue, "--metrics-port", str(self.worker_port)], environment)]
        self.schedulers = [Service(self, "scheduler", ["scheduler", "--schedules", schedules, "--metrics-port", str(self.scheduler_port)],
                                   environment)]
        self.start_services()

    def run(self):
        for index in range(JOBS):
            self.call("POST", "/v1/jobs", "/v1/jobs", json.dumps({"kind": "drill.ledger", "payload": {"ms": 5 + index % 20}, "queue": self.queue}))
        deadline = time.time() + 60
        while time.time() < deadline and self.attempts() < JOBS:
            time.sleep(0.5)
        self.result(self.attempts() >= JOBS, "the jobs ran", f"{self.attempts()} attempts counted by the worker, of {JOBS} jobs enqueued")

        scrapes = {
            "api": get(self.apis[0].port, "/metrics", METRICS_TOKEN),
            "worker": get(self.worker_port, "/metrics", METRICS_TOKEN),
            "scheduler": get(self.scheduler_port, "/metrics", METRICS_TOKEN),
        }
        for name, (status, text) in scrapes.items():
            path = os.path.join(self.data, f"{name}.metrics")
            with open(path, "w") as output:
                output.write(text)
            checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
            problems = (checked.stdout + checked.stderr).strip()
            self.result(status == 200 and checked.returncode == 0, f"promtool check metrics: {name}",
                        f"{status}, {len(text.splitlines())} lines" + (f"; {problems}" if problems else ", no problems"))
        self.check_series(scrapes)
        self.check_access()
        self.check_deploy_files({name: families(text) for name, (_, text) in scrapes.items()})
        self.check_prometheus()

    def attempts(self):
        status, text = get(self.worker_port, "/metrics", METRICS_TOKEN)
        pattern = re.compile(r'^conveyor_job_attempts_total\{[^}]*queue="' + re.escape(self.queue) + r'"[^}]*\} (\S+)$', re.M)
        return sum(float(value) for value in pattern.findall(text)) if status == 200 else 0

    def check_series(self, scrapes):
        kind = 'kind="drill.ledger"'
        wanted = {
            "worker": [f"conveyor_job_{phase}_seconds_bucket{{{kind}" for phase in ("run", "wait", "db_pool_wait", "db", "external", "redis")]
            + ["conveyor_job_history_dropped_total", 'conveyor_db_pool_connections{state="in_use"}', "conveyor_db_pool_waiting",
               'conveyor_worker_process_slots{state="busy"}', "conveyor_worker_zombies", "process_cpu_seconds_total"],
            "scheduler": ['conveyor_schedule_ticks_total{schedule="metrics-tick",outcome="enqueued"}', "process_resident_memory_bytes"],
            "api": ["conveyor_http_requests_total{", f'conveyor_queue_depth{{queue="{self.queue}"}}', "conveyor_job_outcomes_total{",
                    'conveyor_db_pool_connections{state="size"}', "conveyor_breaker_state", "process_open_fds"],
        }
        for name, prefixes in wanted.items():
            text = scrapes[name][1]
            missing = [prefix for prefix in prefixes if not any(line.startswith(prefix) for line in text.splitlines())]
            self.result(not missing, f"series served: {name}", "all of " + ", ".join(p.split("{")[0] for p in prefixes) if not missing
                        else "missing " + ", ".join(missing))

    def check_access(self):
        without, _ = get(self.worker_port, "/metrics")
        health, body = get(self.worker_port, "/health")
        scheduler_health, _ = get(self.scheduler_port, "/health")
        self.result(without == 401 and health == 200 and scheduler_health == 200 and '"ok"' in body, "the token asked for, /health open",
                    f"worker /metrics without the token: {without}; worker /health: {health} {body.strip()}; scheduler /health: {scheduler_health}")

    def check_deploy_files(self, served):
        deploy = os.path.join(ROOT, "ops", "deploy")
        # The example's token file is the operator's to write: its syntax is what is checked.
        for arguments in (["check", "config", "--syntax-only", os.path.join(deploy, "prometheus", "prometheus.yml")],
                          ["check", "rules", os.path.join(deploy, "prometheus", "alerts.yml")]):
            checked = subprocess.run(["promtool", *arguments], capture_output=True, text=True)
            self.result(checked.returncode == 0, f"promtool {' '.join(arguments[:2])}: {os.path.basename(arguments[-1])}",
                        (checked.stdout + checked.stderr).strip().splitlines()[-1])
        every = set().union(*served.values())
        with open(os.path.join(deploy, "grafana", "conveyor.json")) as dashboard:
            panels = json.load(dashboard)["panels"]
        with open(os.path.join(deploy, "prometheus", "alerts.yml")) as alerts:
            expressions = [target["expr"] for panel in panels for target in panel["targets"]] + re.findall(r"expr: (.*)", alerts.read())
        queried = set()
        for expression in expressions:
            for name in re.findall(r"\b((?:conveyor|process)_[a-z_]+)", expression):
                queried.add(name)
        unknown = sorted(name for name in queried if name not in every and name not in FIRST_USE)
        waived = "".join(f"; {name} {why}" for name, why in FIRST_USE.items() if name in queried and name not in every)
        self.result(not unknown, "the dashboard and alerts query served series",
                    f"{len(queried)} series names in {len(panels)} panels and the alerts"
                    + (f"; not served: {', '.join(unknown)}" if unknown else "") + waived)

    def check_prometheus(self):
        port = free_port()
        folder = os.path.join(self.data, "prometheus")
        os.makedirs(folder, exist_ok=True)
        token_file = os.path.join(folder, "token")
        with open(token_file, "w") as token:
            token.write(METRICS_TOKEN)
        targets = {"conveyor-api": self.apis[0].port, "conveyor-worker": self.worker_port, "conveyor-scheduler": self.scheduler_port}
        configuration = "global:\n  scrape_interval: 1s\nscrape_configs:\n" + "".join(
            f"  - job_name: {job}\n    authorization:\n      credentials_file: {token_file}\n"
            f"    static_configs:\n      - targets: [\"127.0.0.1:{target}\"]\n" for job, target in targets.items())
        with open(os.path.join(folder, "prometheus.yml"), "w") as output:
            output.write(configuration)
        with open(os.path.join(self.logs, "prometheus.log"), "ab") as output:
            self.prometheus = subprocess.Popen(
                ["prometheus", f"--config.file={folder}/prometheus.yml", f"--storage.tsdb.path={folder}/data",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

        def query(expression):
            try:
                status, body = get(port, "/api/v1/query?" + urllib.parse.urlencode({"query": expression}))
            except OSError:
                return None
            return json.loads(body)["data"]["result"] if status == 200 else None

        deadline = time.time() + 60
        up = []
        while time.time() < deadline:
            up = query("up == 1") or []
            if len(up) == len(targets):
                break
            time.sleep(1)
        self.result(len(up) == len(targets), "Prometheus scrapes every process", ", ".join(sorted(s["metric"]["job"] for s in up)) or "none up")
        # Over both processes: the series of drill.ledger's attempts, as the worker counts them
        # and as the API reads every worker's tally from Redis, grouped by the job scraped.
        expression = ('count by (job) (conveyor_job_attempts_total{kind="drill.ledger"} '
                      'or conveyor_job_outcomes_total{kind="drill.ledger"})')
        jobs = []
        deadline = time.time() + 30
        while time.time() < deadline and len(jobs) < 2:
            jobs = sorted(series["metric"].get("job", "") for series in query(expression) or [])
            time.sleep(0 if len(jobs) >= 2 else 1)
        self.result(jobs == ["conveyor-api", "conveyor-worker"], "Prometheus answers a query over the API and the worker",
                    f"{expression} → {', '.join(jobs) or 'no series'}")

    def stop(self):
        if self.prometheus and self.prometheus.poll() is None:
            self.prometheus.terminate()
            try:
                self.prometheus.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.prometheus.kill()
                self.prometheus.wait()
        super().stop()


if __name__ == "__main__":
    sys.exit(drive("metrics", MetricsCheck, argparse.ArgumentParser(description=__doc__.splitlines()[0])))
