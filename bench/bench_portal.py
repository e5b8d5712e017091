"""Time the portal's upload check against python-calamine's read, and 44 coordinators uploading at once.

Issue 9's targets, on the real server (``connector-rollup portal serve`` in a
subprocess, on a free port of 127.0.0.1, over a temporary ``--data`` and a
``--raw`` holding the bundled sample):

(a) a warm portal answers the upload of a workbook of about 5,000 rows per
    sheet, from the last byte sent to the whole answer received, in at most
    2x the time python-calamine needs to read its cells in process. The
    workbook is the latest quarter of ``--community`` (ON-TOR, the largest)
    from the sample written at ``--scale`` (6.5: about 20,000 data rows,
    5,000 per sheet on average); ``--raw`` holds the sample at scale 1 with
    that community's history replaced by its three earlier quarters at the
    same scale, and its latest quarter held back (the coordinator uploads
    it). One upload warms the server; then ``--runs`` uploads are timed with
    a raw socket: the whole request (headers and multipart body) is built
    beforehand, the connection opened, the request sent with ``sendall``,
    and the clock starts when ``sendall`` returns (the last byte handed to
    the kernel, which on loopback is the last byte sent) and stops when the
    last byte of the answer (by its Content-Length) is read. python-calamine
    reads every cell of every sheet of the same file
    (``CalamineWorkbook.from_path``, ``to_python()`` per sheet), in this
    process, median of ``--runs`` runs, interleaved with the uploads.
    Then, in this process, the phases of ``uploads.check_upload`` timed
    apart (median of ``--runs``) to say where the server's time goes.

(b) 44 coordinators (one account per registered community) upload their
    own latest workbook of the sample at the same moment (threads released
    by one barrier, each on its own connection); every answer must be 201,
    of the right community, with the status the sample says (``checked``,
    or ``rejected`` for a file the sample broke on purpose). Meanwhile a
    probe requests ``GET /sign-in`` and ``GET /api/v1/uploads`` (the
    secretariat's token: every upload) every ~100 ms; each must answer in
    under a second. Prints the burst's total time and the probes' median and
    max. The server is a fresh one over the sample at scale 1 with every
    uploaded workbook held back from ``--raw``, warmed by one upload of
    another file.

Localhost only; every request has a timeout and every loop a bound.

    .venv/bin/python bench/bench_portal.py [--scale 6.5] [--community ON-TOR] [--runs 7]
        [--only a|b] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_calamine import CalamineWorkbook  # noqa: E402

from connector_rollup.portal import accounts, db  # noqa: E402
from connector_rollup.registry import load_registry  # noqa: E402
from synthetic.sample import SAMPLE_QUARTER, SampleFile, write_sample_files  # noqa: E402

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 300.0  # seconds: no request of this benchmark waits longer
PROBE_EVERY = 0.1
PROBE_LIMIT = 1.0  # target (b): a page answers in under a second during the burst


# -- the data ---------------------------------------------------------------------------------


def latest_files(files: list[SampleFile], registry) -> dict[str, SampleFile]:
    """Each registered community's latest workbook: the latest quarter, then the latest Submitted on."""
    latest: dict[str, SampleFile] = {}
    for f in files:
        if f.community_code not in registry or f.period is None:
            continue
        best = latest.get(f.community_code)
        if best is None or (f.period, f.submitted_on) > (best.period, best.submitted_on):
            latest[f.community_code] = f
    return latest


def big_upload_data(
    folder: Path, registry, community: str, scale: float
) -> tuple[Path, Path, dict]:
    """``--raw`` for target (a) and the workbook to upload, with its rows per sheet."""
    raw = folder / "raw"
    files = write_sample_files(raw, registry=registry)
    for f in files:
        if f.community_code == community:
            f.path.unlink()
    scaled = write_sample_files(
        folder / "scaled", registry={community: registry[community]}, scale=scale
    )
    mine = [f for f in scaled if f.community_code == community]
    upload = latest_files(mine, registry)[community]
    if upload.period != SAMPLE_QUARTER or upload.status != "valid":
        raise SystemExit(f"{community}'s latest workbook at scale {scale} is not a valid one")
    held = folder / "upload" / f"{community}_{upload.period.label}.xlsx"
    held.parent.mkdir(parents=True)
    shutil.move(upload.path, held)
    for f in mine:
        if f is not upload:
            target = raw / f"{community}-scaled" / f.path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(f.path, target)
    shutil.rmtree(folder / "scaled")
    return raw, held, upload.rows


def burst_data(folder: Path, registry) -> tuple[Path, dict[str, tuple[Path, str]], Path]:
    """``--raw`` for target (b), each community's held-back workbook with the status it must get,
    and another workbook for the warm-up."""
    raw = folder / "raw"
    files = write_sample_files(raw, registry=registry)
    latest = latest_files(files, registry)
    held = folder / "upload"
    held.mkdir()
    uploads = {}
    for code, f in sorted(latest.items()):
        target = held / f"{code}_{f.period.label}.xlsx"
        shutil.move(f.path, target)
        uploads[code] = (target, "rejected" if f.status == "rejected" else "checked")
    # The warm-up uploads a copy of an earlier quarter of some community (its bytes already in --raw).
    some = next(f for f in files if f.path.exists() and f.status == "valid")
    warm = held / "warm-up.xlsx"
    shutil.copy(some.path, warm)
    return raw, uploads, warm


def add_accounts(data: Path, communities: list[str]) -> tuple[dict[str, str], str]:
    """An API token for one coordinator per community, and one for a secretariat account."""
    conn = db.connect(data)
    try:
        tokens = {}
        for code in communities:
            user, _ = accounts.add_user(
                conn,
                f"coordinator@{code.lower()}.example.org",
                role="coordinator",
                community_code=code,
                name=f"Coordinator {code}",
                language="en",
                by="bench",
            )
            tokens[code] = accounts.new_api_token(conn, user, by="bench")
        user, _ = accounts.add_user(
            conn,
            "secretariat@example.org",
            role="secretariat",
            community_code=None,
            name="Secretariat",
            by="bench",
        )
        return tokens, accounts.new_api_token(conn, user, by="bench")
    finally:
        conn.close()


# -- the server and the client -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``connector-rollup portal serve`` in a subprocess, on a free port of 127.0.0.1."""

    def __init__(self, data: Path, raw: Path):
        self.port = free_port()
        script = Path(sys.executable).with_name("connector-rollup")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "connector_rollup"]
        self.log = open(data.parent / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [
                *command,
                "portal",
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--data",
                str(data),
                "--raw",
                str(raw),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the portal stopped at start: see {self.log.name}")
            try:
                status, _ = request(self.port, get("/sign-in"), timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the portal did not answer within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def get(path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Language: en\r\n{auth}"
        "Connection: close\r\n\r\n"
    ).encode()


def upload_request(path: Path, token: str) -> bytes:
    """The whole ``POST /api/v1/uploads`` request, multipart field ``file``, built beforehand."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'.encode(),
            b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n",
            path.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    head = (
        f"POST /api/v1/uploads HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head + body


def request(
    port: int, raw_request: bytes, timeout: float = REQUEST_TIMEOUT, times: dict | None = None
) -> tuple[int, bytes]:
    """Send ``raw_request`` on a new connection; the status and body of the answer.

    ``times`` (when given) gets ``sent`` (``sendall`` returned: the last byte
    sent) and ``received`` (the answer's last byte read), ``perf_counter``.
    """
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(raw_request)
        sent = time.perf_counter()
        buffer = bytearray()
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("the connection closed before the answer's headers")
            buffer += chunk
        head, _, body = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        body = bytearray(body)
        length = int(headers["content-length"]) if "content-length" in headers else None
        while length is None or len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                if length is None:
                    break
                raise OSError("the connection closed before the answer's end")
            body += chunk
        received = time.perf_counter()
    if times is not None:
        times.update(sent=sent, received=received)
    return status, bytes(body)


def calamine_read(path: Path) -> tuple[float, int]:
    """Seconds for python-calamine to read every cell of every sheet, and how many cells."""
    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        cells += sum(len(r) for r in rows)
    return time.perf_counter() - start, cells


# -- target (a) ---------------------------------------------------------------------------------


def target_a(folder: Path, registry, community: str, scale: float, runs: int) -> None:
    print(f"\n== (a) one upload of a ~5,000-rows-per-sheet workbook ({community}, scale {scale})")
    raw, upload, rows = big_upload_data(folder / "a", registry, community, scale)
    data = folder / "a" / "data"
    tokens, _ = add_accounts(data, [community])
    body = upload_request(upload, tokens[community])
    print(
        f"workbook: {upload.name}, {upload.stat().st_size / 1e6:.2f} MB, rows per sheet {rows}"
        f" ({sum(rows.values()):,} in all, {sum(rows.values()) / 4:,.0f} per sheet on average);"
        f" request {len(body) / 1e6:.2f} MB"
    )
    server = Server(data, raw)
    try:
        start = time.perf_counter()
        status, answer = request(server.port, body)
        warm = time.perf_counter() - start
        upload_json = json.loads(answer)
        if status != 201 or upload_json["status"] != "checked":
            raise SystemExit(f"the warm-up upload answered {status}: {answer[:300]!r}")
        print(
            f"warm-up upload (cold server, clean cache filled): {warm * 1000:.0f} ms, "
            f"status {upload_json['status']}, rows_read {upload_json['rows_read']}, "
            f"errors {upload_json['errors']}, warnings {upload_json['warnings']}, "
            f"impact {upload_json['impact']}"
        )
        calamine_read(upload)  # warm
        answers, totals, reads = [], [], []
        cells = 0
        for _ in range(runs):
            times: dict = {}
            begin = time.perf_counter()
            status, answer = request(server.port, body, times=times)
            if status != 201 or json.loads(answer)["status"] != "checked":
                raise SystemExit(f"an upload answered {status}: {answer[:300]!r}")
            answers.append(times["received"] - times["sent"])
            totals.append(times["received"] - begin)
            seconds, cells = calamine_read(upload)
            reads.append(seconds)
    finally:
        server.stop()
    answer_ms = statistics.median(answers) * 1000
    read_ms = statistics.median(reads) * 1000
    print(
        f"upload, last byte sent -> whole answer received: median {answer_ms:.0f} ms "
        f"(min {min(answers) * 1000:.0f}, max {max(answers) * 1000:.0f}) of {runs}; "
        f"connect + send + answer: median {statistics.median(totals) * 1000:.0f} ms"
    )
    print(
        f"python-calamine reading every cell ({cells:,} cells), in process: "
        f"median {read_ms:.0f} ms (min {min(reads) * 1000:.0f}, max {max(reads) * 1000:.0f})"
    )
    ratio = answer_ms / read_ms
    print(f"ratio {ratio:.2f}x: target (a) (at most 2x) {'MET' if ratio <= 2 else 'MISSED'}")
    breakdown(folder / "a", raw, upload, registry, runs)


def breakdown(folder: Path, raw: Path, upload: Path, registry, runs: int) -> None:
    """The phases of ``uploads.check_upload``, in this process, warm (median of ``runs``)."""
    from connector_rollup.intake import history
    from connector_rollup.intake.validate import validate_workbook
    from connector_rollup.intake.workbooks import check_community, community_submissions
    from connector_rollup.portal import uploads
    from connector_rollup.portal.settings import Settings

    settings = Settings(data_dir=folder / "in-process", raw_dir=raw, registry=registry)
    conn = db.connect(settings.data_dir)
    user, _ = accounts.add_user(
        conn, "in-process@example.org", role="secretariat", community_code=None, by="bench"
    )
    phases: dict[str, list[float]] = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        phases.setdefault(name, []).append(time.perf_counter() - start)
        return result

    whole = "whole check_upload (community's history kept)"
    for i in range(runs + 1):
        temp = settings.data_dir / "incoming.xlsx"
        shutil.copy(upload, temp)
        timed(whole, uploads.check_upload, conn, settings, user, upload.name, temp)
        data = upload.read_bytes()
        submission = timed(
            "validate_workbook (read + checks)",
            validate_workbook,
            Path(upload.name),
            registry,
            data,
        )
        community = submission.community_code
        earlier, modified = timed(
            "  community_submissions (read, hash --raw; clean cache)",
            community_submissions,
            raw,
            community,
            registry,
            settings.clean_dir,
        )
        before = timed("  history.check(earlier)", history.check, earlier, modified).effective
        timed("  build_history(before)", history.build_history, before)
        timed("history kept: is --raw unchanged? (stat every file)", uploads._raw_state, raw)
        checked = timed(
            "check_community (supersede + resolve IDs, twice)",
            check_community,
            [submission],
            earlier,
            modified,
        )
        timed(
            "impact, before's history kept (build_history(after) + diff)",
            uploads._impact,
            uploads._community_before(settings, community).frames,
            checked.effective,
        )
        if i == 0:  # a warm-up
            phases.clear()
    conn.close()
    print(f"in process, the phases of check_upload (median of {runs} warm runs):")
    print("  (indented: the community's history, read only when --raw changed or first seen)")
    for name, values in phases.items():
        print(f"  {name:<62} {statistics.median(values) * 1000:>7.0f} ms")


# -- target (b) ---------------------------------------------------------------------------------


def target_b(folder: Path, registry) -> None:
    print(f"\n== (b) {len(registry)} coordinators uploading at the same moment")
    raw, uploads, warm = burst_data(folder / "b", registry)
    data = folder / "b" / "data"
    tokens, secretariat = add_accounts(data, sorted(uploads))
    bodies = {code: upload_request(path, tokens[code]) for code, (path, _) in uploads.items()}
    sizes = [p.stat().st_size for p, _ in uploads.values()]
    print(
        f"{len(uploads)} workbooks, {sum(sizes) / 1e6:.1f} MB in all "
        f"(largest {max(sizes) / 1e3:.0f} kB); expected statuses: "
        + ", ".join(
            f"{s} {sum(1 for _, e in uploads.values() if e == s)}" for s in ("checked", "rejected")
        )
    )
    server = Server(data, raw)
    try:
        status, answer = request(server.port, upload_request(warm, secretariat))
        if status != 201:
            raise SystemExit(f"the warm-up upload answered {status}: {answer[:300]!r}")
        results: dict[str, tuple] = {}
        barrier = threading.Barrier(len(bodies) + 1)

        def coordinator(code: str) -> None:
            barrier.wait()
            times: dict = {}
            try:
                status, answer = request(server.port, bodies[code], times=times)
                results[code] = (status, answer, times["received"])
            except OSError as exc:
                results[code] = (None, str(exc).encode(), time.perf_counter())

        threads = [threading.Thread(target=coordinator, args=(c,)) for c in bodies]
        for t in threads:
            t.start()
        probes: list[tuple[str, float, int]] = []
        done = threading.Event()

        def probe() -> None:
            pages = [("GET /sign-in", get("/sign-in")), ("GET /api/v1/uploads", None)]
            turn = 0
            deadline = time.monotonic() + REQUEST_TIMEOUT
            while not done.is_set() and time.monotonic() < deadline:
                name, raw_request = pages[turn % 2]
                raw_request = raw_request or get("/api/v1/uploads", secretariat)
                turn += 1
                start = time.perf_counter()
                try:
                    status, _ = request(server.port, raw_request, timeout=30)
                except OSError:
                    status = 0
                probes.append((name, time.perf_counter() - start, status))
                done.wait(PROBE_EVERY)

        prober = threading.Thread(target=probe)
        barrier.wait()
        start = time.perf_counter()
        prober.start()
        for t in threads:
            t.join(REQUEST_TIMEOUT)
        burst = time.perf_counter() - start
        done.set()
        prober.join()
    finally:
        server.stop()
    wrong = []
    answered = []
    for code, (_, expected) in uploads.items():
        status, answer, at = results.get(code, (None, b"no answer", 0.0))
        body = json.loads(answer) if status == 201 else {}
        if status != 201 or body.get("status") != expected or body.get("community_code") != code:
            wrong.append(f"{code}: {status} {body.get('status')} {answer[:200]!r}")
        answered.append(at - start)
    print(
        f"burst: {len(results)} uploads answered in {burst:.1f} s; each answered after "
        f"median {statistics.median(answered):.1f} s, max {max(answered):.1f} s"
    )
    print(
        f"answers: {len(uploads) - len(wrong)} of {len(uploads)} correct "
        "(201, the expected status, the coordinator's community)"
    )
    for line in wrong:
        print("  WRONG", line)
    for name in ("GET /sign-in", "GET /api/v1/uploads"):
        latencies = [s for n, s, _ in probes if n == name]
        bad = sum(1 for n, _, st in probes if n == name and st != 200)
        print(
            f"probe {name:<20} {len(latencies):>3} requests: median "
            f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
            f"{f', {bad} not 200' if bad else ''}"
        )
    worst = max(s for _, s, _ in probes)
    ok = not wrong and worst < PROBE_LIMIT and all(st == 200 for _, _, st in probes)
    print(f"target (b) (all answered right, every probe under 1 s): {'MET' if ok else 'MISSED'}")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{dt.date.today()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=6.5)
    parser.add_argument("--community", default="ON-TOR")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=["a", "b"], default=None)
    parser.add_argument("--keep", type=Path, default=None, help="Work in this folder and keep it.")
    args = parser.parse_args(argv)
    print(machine())
    registry = load_registry(None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.only in (None, "a"):
            target_a(folder, registry, args.community, args.scale, args.runs)
        if args.only in (None, "b"):
            target_b(folder, registry)


if __name__ == "__main__":
    sys.exit(main())
