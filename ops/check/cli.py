"""The command-line check (ops/check/cli): the conveyor command line as a person sees it,
each command run in a tmux session of its own, its screen read with capture-pane.

It starts a `conveyor api` and one `conveyor worker` of its own (loopback ports of their own,
a tenant, key and import queue of their own), then checks:
  - `conveyor import` of a generated CSV file of 50,000 products rows: a progress bar seen
    mid-way (below 100 %), the finished summary on the final screen, the rows in the table;
    the same command into a file prints plain lines, without carriage returns or escapes;
    a row the table refuses fails its chunk, which the summary names, and the exit is 1;
    a wrong key, an unknown dataset and a missing file are refused with a message, non-zero;
  - `conveyor export products -o FILE`: the spinner, animated, while the export waits (the
    default queue, where export jobs go, paused meanwhile), then the file with its CSV header;
  - `conveyor top`: the queue's row, the screen redrawn in place (line 1 stays its header),
    and `q` ends it;
  - `conveyor job ID --follow` of a `drill.progress` job: its progress bar seen mid-way, then the
    line that says it succeeded, and the exit 0;
  - `conveyor cancel ID` of a delayed job, and again once it is cancelled; `conveyor --version`.
Prints "N passed, M failed"; exits 1 on a failure, 2 when it could not go on. Every tmux
session (on a tmux server of its own) and every process it started is stopped however it
ends. The screens seen: logs/screens.txt in its folder.
"""

import argparse
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drill"))
from drill_support import API, ROOT, Drill, DrillError, Service, drive, sql  # noqa: E402

ROWS = 50_000
CHUNK_SIZE = 1_000
PRODUCTS_HEADER = "sku,name,category,price_cents,quantity,updated_at"
# A file of 3 chunks whose line FAILING_LINE has a price the table's CHECK refuses.
FAILING_ROWS = 3 * CHUNK_SIZE
FAILING_LINE = 1_500
# A progress bar as `conveyor import` draws it: its label, the bar, the percentage.
BAR = re.compile(r"^(\w+(?: \w+)?)\s+\[[#.]+\]\s+(\d+)%")
SPINNER = re.compile(r"^([|/\\-]) export (\S+): (requested|queued|running)")
EXITED = re.compile(r"\[exited (\d+)\]")
VERSION = re.compile(r'static let current = "([^"]+)"')


class CommandLineCheck(Drill):
    """The processes, tmux sessions and files of one run, and its checks."""

    def __init__(self, options):
        suffix = secrets.token_hex(4)
        super().__init__(options, f"cli-{suffix}", None, os.environ["CONVEYOR_DATABASE_URL"])
        self.import_queue = f"cli-imports-{suffix}"
        self.delayed_queue = f"cli-delayed-{suffix}"
        # The files, and the socket of a tmux server of the check's own, where a socket's
        # path is short enough.
        self.files = tempfile.mkdtemp(prefix="conveyor-check-cli-")
        self.tmux_socket = os.path.join(self.files, "tmux.sock")
        self.environment = self.base_environment()
        self.environment.update({
            "CONVEYOR_IMPORT_QUEUE": self.import_queue,
            "CONVEYOR_EXPORT_DIR": os.path.join(self.files, "exports"),
        })
        for name in ("CONVEYOR_API_URL", "CONVEYOR_API_KEY"):
            self.environment.pop(name, None)
        self.paused_default = False
        self.screens = open(os.path.join(self.logs, "screens.txt"), "w")
        self.started = time.time()

    def title(self):
        return "Command-line check: conveyor import, job --follow, export, top, cancel and --version, under tmux"

    def start(self):
        self.apis = [API(self, "api", self.environment)]
        # Export jobs go to the default queue; an import's chunk jobs to the check's own.
        self.workers = [Service(self, "worker", ["worker", "--queues", f"{self.import_queue},default", "--concurrency", "2"],
                                self.environment)]
        self.start_services()
        self.api_url = f"http://127.0.0.1:{self.apis[0].port}"

    def stop(self):
        """Stops what the run started, each step whatever became of the others."""
        def step(what, action):
            try:
                action()
            except (OSError, subprocess.SubprocessError, DrillError) as error:
                print(f"could not {what}: {error}", file=sys.stderr)

        step("stop the tmux server", lambda: subprocess.run(["tmux", "-S", self.tmux_socket, "kill-server"],
                                                             capture_output=True, timeout=10))
        if self.paused_default:
            step("resume the default queue", lambda: self.conveyor("resume", "default"))
        step("stop the conveyor processes", super().stop)
        step("delete the check's products rows",
             lambda: sql(self.database_url, f"DELETE FROM products WHERE tenant = '{self.tenant}'"))
        shutil.rmtree(self.files, ignore_errors=True)
        self.screens.close()

    def conveyor(self, *arguments, check=True, timeout=60, environment=None):
        """Runs the binary with `arguments` outside tmux: (exit status, output, errors)."""
        done = subprocess.run([self.binary, *arguments], env=environment or self.environment, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise DrillError(f"conveyor {' '.join(arguments)} exited {done.returncode}: {done.stderr.strip()}")
        return done.returncode, done.stdout, done.stderr

    # MARK: tmux

    def tmux(self, *arguments):
        done = subprocess.run(["tmux", "-S", self.tmux_socket, *arguments], capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise DrillError(f"tmux {' '.join(arguments)}: {done.stderr.strip()}")
        return done.stdout

    def open_session(self, name, arguments, environment=None):
        """Runs the binary with `arguments` in a new 120 × 30 tmux session `name`; when it
        ends, the pane says `[exited STATUS]` and stays."""
        variables = " ".join(f"{key}={shlex.quote(value)}" for key, value in (environment or {}).items())
        command = " ".join(shlex.quote(word) for word in [self.binary, *arguments])
        self.tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "30", "-c", ROOT,
                  f"env {variables} {command}; echo \"[exited $?]\"; sleep 3600")

    def screen(self, name):
        """The pane's visible lines, as a person sees them."""
        text = self.tmux("capture-pane", "-p", "-t", name)
        self.screens.write(f"---- {name} at +{time.time() - self.started:.2f}s\n{text}")
        return text

    def watch(self, name, timeout, every=0.05, until=None):
        """Captures the pane every `every` seconds until the command exits (or `until(screen)`
        holds), at most `timeout` seconds; answers the screens seen, the last one last."""
        screens = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            screens.append(self.screen(name))
            if EXITED.search(screens[-1]) or (until and until(screens[-1])):
                return screens
            time.sleep(every)
        raise DrillError(f"`{name}` did not end within {timeout} s; its screen:\n{screens[-1] if screens else ''}")

    # MARK: Checks

    def run(self):
        self.check_import()
        self.check_import_piped()
        self.check_import_refusals()
        self.check_import_failure()
        self.check_job_follow()
        self.check_export()
        self.check_top()
        self.check_cancel()
        self.check_version()

    def api_environment(self):
        return {"CONVEYOR_API_URL": self.api_url, "CONVEYOR_API_KEY": self.producer_key}

    def write_products(self, path):
        """ROWS products rows as CSV, the rows the import drill and benchmark upload."""
        script = f"source ops/lib/services.sh; source ops/lib/imports.sh; write_products csv {ROWS} > {shlex.quote(path)}"
        subprocess.run(["bash", "-c", script], cwd=ROOT, check=True, timeout=120)

    def check_import(self):
        self.products = os.path.join(self.files, "products.csv")
        self.write_products(self.products)
        self.open_session("import", ["import", "products", self.products, "--chunk-size", str(CHUNK_SIZE)],
                          self.api_environment())
        screens = self.watch("import", timeout=300, every=0.05)
        bars = [(match.group(1), int(match.group(2))) for screen in screens for line in screen.splitlines()
                if (match := BAR.match(line))]
        midway = [(label, percent) for label, percent in bars if label in ("queued", "running") and percent < 100]
        uploads = [percent for label, percent in bars if label == "uploading"]
        self.result(bool(midway), "import: progress bar seen mid-way",
                    f"{len(midway)} screens with the bar below 100 % while loading"
                    + (f" ({', '.join(sorted({f'{label} {percent}%' for label, percent in midway})[:6])})" if midway else
                       f"; bars seen: {sorted(set(bars))[:8]}")
                    + f"; upload bar seen {len(uploads)} times")
        final = screens[-1]
        summary = [line for line in final.splitlines() if line.startswith("succeeded:")]
        exited = EXITED.search(final)
        self.result(bool(summary) and f"{ROWS:,} rows loaded" in summary[0] and exited and exited.group(1) == "0",
                    "import: final screen shows the summary",
                    (summary[0] if summary else "no summary line: " + " | ".join(final.strip().splitlines()[-4:]))
                    + f"; exit {exited.group(1) if exited else '?'}")
        rows = sql(self.database_url, f"SELECT count(*) FROM products WHERE tenant = '{self.tenant}'")[0][0]
        self.result(rows == str(ROWS), "import: the rows are in the table", f"{rows} products rows of tenant {self.tenant}")
        # The bar's lines were redrawn in place: one bar line for the loading at the end.
        loading_lines = [line for line in final.splitlines() if BAR.match(line) and not line.startswith("uploading")]
        self.result(len(loading_lines) == 1, "import: the bar redrawn on one line",
                    f"{len(loading_lines)} loading bar lines on the final screen")

    def check_import_piped(self):
        output = os.path.join(self.files, "import.out")
        environment = {**self.environment, **self.api_environment()}
        with open(output, "w") as target:
            status = subprocess.run([self.binary, "import", "products", self.products, "--chunk-size", str(CHUNK_SIZE),
                                     "--on-conflict", "update"], env=environment, cwd=ROOT, stdout=target,
                                    stderr=subprocess.PIPE, timeout=300).returncode
        with open(output, "rb") as produced:
            text = produced.read().decode("utf-8", "replace")
        lines = text.splitlines()
        plain = "\r" not in text and "\x1b" not in text
        stamped = [line for line in lines if re.match(r"^\[\d+\.\d s\] ", line)]
        self.result(status == 0 and plain and len(stamped) >= 2 and any(line.startswith("succeeded:") for line in lines),
                    "import into a file: plain lines",
                    f"exit {status}, {len(lines)} lines, {len(stamped)} progress lines, carriage returns or escapes: "
                    f"{'none' if plain else 'some'}; last: {lines[-1] if lines else ''}")

    def check_import_refusals(self):
        environment = {**self.environment, **self.api_environment()}
        cases = [
            ("a wrong key", ["import", "products", self.products], {**environment, "CONVEYOR_API_KEY": "ck_wrong_" + "0" * 20},
             ["401", "--api-key"]),
            ("an unknown dataset", ["import", "prodcts", self.products], environment, ["404", "products"]),
            ("a missing file", ["import", "products", os.path.join(self.files, "absent.csv")], environment, ["no file"]),
        ]
        for what, arguments, case_environment, expected in cases:
            status, output, errors = self.conveyor(*arguments, check=False, environment=case_environment)
            message = (errors.strip() or output.strip()).splitlines()
            self.result(status != 0 and all(word in errors for word in expected), f"import refuses {what}",
                        f"exit {status}: {message[0] if message else '(nothing said)'}")

    def check_import_failure(self):
        """An import one of whose rows the table refuses (a negative price breaks its CHECK)."""
        path = os.path.join(self.files, "refused.csv")
        with open(path, "w") as rows:
            rows.write(PRODUCTS_HEADER + "\n")
            for n in range(1, FAILING_ROWS + 1):
                rows.write(f"REFUSED-{n:05d},Product {n},tools,{-1 if n == FAILING_LINE - 1 else n},{n % 10},\n")
        self.open_session("import-refused", ["import", "products", path, "--chunk-size", str(CHUNK_SIZE)], self.api_environment())
        final = self.watch("import-refused", timeout=120)[-1]
        exited = EXITED.search(final)
        lines = final.splitlines()
        summary = next((line for line in lines if line.startswith("partially failed:")), "")
        failure = next((line.strip() for line in lines if line.startswith(f"  chunk ")), "")
        self.result(bool(exited) and exited.group(1) != "0" and bool(summary) and f"line {FAILING_LINE:,}" in failure,
                    "import: a refused row fails its chunk",
                    f"exit {exited.group(1) if exited else '?'}; {summary or 'no summary'}; {failure or 'no chunk error'}")

    def check_job_follow(self):
        """`conveyor job ID --follow` of a job that reports progress for about 3 s."""
        _, output, _ = self.conveyor("enqueue", "drill.progress", "--payload", '{"steps":20,"step_ms":150}',
                                     "--queue", self.import_queue, "--tenant", self.tenant)
        job = output.strip()
        self.open_session("follow", ["job", job, "--follow", "--api-url", self.api_url, "--api-key", self.producer_key])
        screens = self.watch("follow", timeout=60)
        midway = [match for screen in screens for line in screen.splitlines()
                  if (match := BAR.match(line)) and match.group(1) == "running" and int(match.group(2)) < 100]
        self.result(bool(midway), "job --follow: progress bar seen mid-way",
                    f"{len(midway)} screens with a bar below 100 %" if midway else "no bar below 100 % seen")
        final = screens[-1]
        exited = EXITED.search(final)
        self.result(bool(exited) and exited.group(1) == "0" and f"job {job} succeeded" in final,
                    "job --follow: ends when the job succeeds",
                    f"exit {exited.group(1) if exited else '?'}; "
                    + next((line for line in final.splitlines() if "succeeded" in line), "no line says it succeeded"))

    def check_export(self):
        # The default queue must be known before it can be paused: a noop job makes it so.
        self.conveyor("enqueue", "noop")
        self.conveyor("pause", "default")
        self.paused_default = True
        output = os.path.join(self.files, "products-export.csv")
        self.open_session("export", ["export", "products", "--format", "csv", "-o", output,
                                     "--api-url", self.api_url, "--api-key", self.producer_key])
        waiting = self.watch("export", timeout=30, until=lambda screen: any(
            (match := SPINNER.match(line)) and match.group(3) == "queued" for line in screen.splitlines()))
        time.sleep(0.5)
        frames = {match.group(1) for screen in [*waiting, self.screen("export")] for line in screen.splitlines()
                  if (match := SPINNER.match(line))}
        self.result(len(frames) >= 2, "export: spinner while it waits",
                    f"spinner frames seen {sorted(frames)}; waiting line: "
                    + next((line for line in waiting[-1].splitlines() if SPINNER.match(line)), "none"))
        self.conveyor("resume", "default")
        self.paused_default = False
        final = self.watch("export", timeout=120)[-1]
        exited = EXITED.search(final)
        wrote = next((line for line in final.splitlines() if line.startswith("wrote ")), "")
        header, lines = "", 0
        if os.path.exists(output):
            with open(output) as exported:
                header = exported.readline().strip()
                lines = 1 + sum(1 for _ in exported)
        # The products export lists every row of the tenant: the imports' that loaded.
        rows = int(sql(self.database_url, f"SELECT count(*) FROM products WHERE tenant = '{self.tenant}'")[0][0])
        self.result(bool(exited) and exited.group(1) == "0" and header == PRODUCTS_HEADER and lines == rows + 1,
                    "export: the file downloaded",
                    f"exit {exited.group(1) if exited else '?'}; {wrote or 'no wrote line'}; header '{header}', {lines} lines "
                    f"for the tenant's {rows:,} rows")

    def check_top(self):
        self.open_session("top", ["top"])
        first = self.watch("top", timeout=30, until=lambda screen: self.import_queue in screen)[-1]
        time.sleep(2.2)
        second = self.screen("top")
        headers = [screen.splitlines()[0] if screen.strip() else "" for screen in (first, second)]
        redrawn = all(header.startswith("conveyor top") for header in headers) and headers[0] != headers[1]
        once = all(screen.count("conveyor top") == 1 for screen in (first, second))
        row = next((line for line in second.splitlines() if line.startswith(self.import_queue)), "")
        self.result(bool(row), "top: the queue's row shown", row or "no row for " + self.import_queue)
        self.result(redrawn and once, "top: redrawn in place",
                    f"line 1 '{headers[0]}' then '{headers[1]}'; header lines per screen "
                    f"{[screen.count('conveyor top') for screen in (first, second)]}")
        self.tmux("send-keys", "-t", "top", "q")
        final = self.watch("top", timeout=10)[-1]
        exited = EXITED.search(final)
        self.result(bool(exited) and exited.group(1) == "0", "top: q ends it", f"exit {exited.group(1) if exited else '?'}")

    def check_cancel(self):
        _, output, _ = self.conveyor("enqueue", "noop", "--delay", "600", "--queue", self.delayed_queue)
        job = output.strip()
        self.open_session("cancel", ["cancel", job])
        final = self.watch("cancel", timeout=30)[-1]
        exited = EXITED.search(final)
        _, record, _ = self.conveyor("job", job)
        self.result(bool(exited) and exited.group(1) == "0" and f"cancelled {job}" in final and '"cancelled"' in record,
                    "cancel: a delayed job", f"exit {exited.group(1) if exited else '?'}; {final.strip().splitlines()[0]}")
        self.open_session("cancel-again", ["cancel", job])
        final = self.watch("cancel-again", timeout=30)[-1]
        exited = EXITED.search(final)
        self.result(bool(exited) and exited.group(1) != "0" and "cancelled" in final, "cancel: a job already cancelled",
                    f"exit {exited.group(1) if exited else '?'}; {final.strip().splitlines()[0]}")

    def check_version(self):
        with open(os.path.join(ROOT, "Sources", "conveyor", "ConveyorVersion.swift")) as source:
            expected = VERSION.search(source.read()).group(1)
        self.open_session("version", ["--version"])
        final = self.watch("version", timeout=30)[-1]
        exited = EXITED.search(final)
        shown = final.strip().splitlines()[0]
        self.result(shown == expected and bool(exited) and exited.group(1) == "0", "--version",
                    f"'{shown}' (the source says {expected})")


if __name__ == "__main__":
    sys.exit(drive("cli", CommandLineCheck, argparse.ArgumentParser(description=__doc__.splitlines()[0])))
