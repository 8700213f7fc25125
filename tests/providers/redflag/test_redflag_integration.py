"""RedFlag end to end against its emulator over real loopback sockets: async (asyncio and
trio), the sync facade, faults, the shared rate limit and the bulk in-flight bound."""

from __future__ import annotations

import asyncio
import io
import pathlib
import subprocess
import sys
import threading
from collections.abc import Iterator

import anyio
import pytest

import labelkit
from labelkit import AsyncRedFlag, PollPolicy, RateLimit, RedFlag
from labelkit.emulators import EmulatorConfig, EmulatorServer, RedFlagEmulator
from labelkit.redflag import AnalysisType, OperationStatus

TOKEN = "test-token"
API = "/api/v2/products/api"
FAST_POLL = PollPolicy(
    initial_delay=0.05, interval=0.05, backoff=1.0, max_interval=0.05, timeout=10
)


@pytest.fixture
def emulator() -> RedFlagEmulator:
    return RedFlagEmulator(config=EmulatorConfig(processing_time=0.2, seed=1))


@pytest.fixture
def server(emulator: RedFlagEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


def client(server: EmulatorServer, **kwargs: object) -> AsyncRedFlag:
    return AsyncRedFlag(TOKEN, base_url=server.url + API, poll=FAST_POLL, **kwargs)  # type: ignore[arg-type]


def images(tmp_path: pathlib.Path, count: int) -> list[pathlib.Path]:
    paths = []
    for i in range(count):
        path = tmp_path / f"img{i}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([i % 256]) * 2048)
        paths.append(path)
    return paths


@pytest.mark.anyio
async def test_upload_create_wait_and_results(
    server: EmulatorServer, emulator: RedFlagEmulator, tmp_path: pathlib.Path
) -> None:
    async with client(server) as redflag:
        [image] = images(tmp_path, 1)
        file_id = await redflag.upload_file(image)
        with image.open("rb") as handle:
            second = await redflag.upload_file(handle)
        assert emulator.uploads[file_id].size == image.stat().st_size
        op_id = await redflag.create_operation(
            "file", [AnalysisType.FACE_ID, "caption"], [file_id, second]
        )
        first_look = await redflag.get_operation(op_id)
        assert first_look.status in (
            OperationStatus.READY,
            OperationStatus.PENDING,
            OperationStatus.RUNNING,
        )
        assert first_look.data is None
        op = await redflag.wait_operation(op_id)
    assert op.status is OperationStatus.DONE and op.id == op_id
    assert op.data is not None and op.data.contents_count == 2
    assert {a.type for a in op.data.contents[0].analyses} == {
        AnalysisType.FACE_ID,
        AnalysisType.CAPTION,
    }


@pytest.mark.anyio
async def test_analyze_text_with_groups(server: EmulatorServer) -> None:
    async with client(server) as redflag:
        op = await redflag.analyze(
            "text", ["personality-mb", "sentiment-real"], ["a", "b", "c", "d"], [[0, 1], [2, 3]]
        )
    assert op.query is not None and op.query.contents_groups == ["0,1", "2,3"]
    assert op.data is not None
    group_indexes = {
        a.group_index
        for c in op.data.contents
        for a in c.analyses
        if a.type is AnalysisType.PERSONALITY_MB
    }
    assert group_indexes == {0, 1}


@pytest.mark.anyio
@pytest.mark.parametrize(("marker", "status"), [("__fail__", "failed"), ("__invalid__", "invalid")])
async def test_failed_and_invalid_raise_job_failed(
    server: EmulatorServer, marker: str, status: str
) -> None:
    async with client(server) as redflag:
        with pytest.raises(labelkit.JobFailedError) as info:
            await redflag.analyze("text", ["topic"], [f"text {marker}"])
    assert info.value.job.status.value == status  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_wait_deadline_raises_poll_timeout(
    server: EmulatorServer, emulator: RedFlagEmulator
) -> None:
    async with client(server) as redflag:
        op_id = await redflag.create_operation("text", ["topic"], ["slow"])
        emulator.force_status(op_id, "running")
        with pytest.raises(labelkit.PollTimeoutError) as info:
            # A poll still running ``interval`` after the deadline is abandoned: 5 s, not
            # FAST_POLL's 50 ms, so a loaded machine cannot abandon every poll.
            patient = PollPolicy(initial_delay=0.05, interval=5, max_interval=5, backoff=1.0)
            await redflag.wait_operation(op_id, timeout=0.3, poll=patient)
    assert info.value.last_state.status is OperationStatus.RUNNING  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_wrong_token_is_authentication_error(server: EmulatorServer) -> None:
    async with AsyncRedFlag("wrong-token", base_url=server.url + API) as redflag:
        with pytest.raises(labelkit.AuthenticationError) as info:
            await redflag.get_operation(1)
    assert info.value.status == 401 and "wrong-token" not in str(info.value)


@pytest.mark.anyio
async def test_server_side_validation_error_is_typed(server: EmulatorServer) -> None:
    async with client(server) as redflag:
        with pytest.raises(labelkit.UnprocessableEntityError) as info:
            await redflag.create_operation("file", ["face-id"], [12345])  # unknown file id
    assert info.value.code is not None and info.value.message


@pytest.mark.anyio
async def test_dropped_create_is_ambiguous_and_never_duplicated(
    server: EmulatorServer, emulator: RedFlagEmulator
) -> None:
    emulator.config.drop_rate = 1.0
    async with client(server) as redflag:
        with pytest.raises(labelkit.AmbiguousResultError):
            await redflag.create_operation("text", ["topic"], ["once"])
    assert len(emulator.operations) == 1  # committed exactly once, not re-sent


@pytest.mark.anyio
async def test_injected_5xx_on_reads_are_retried(
    server: EmulatorServer, emulator: RedFlagEmulator
) -> None:
    async with client(
        server, max_retries=6, retry=labelkit.RetryPolicy(wait_initial=0.01, wait_max=0.02)
    ) as redflag:
        op_id = await redflag.create_operation("text", ["topic"], ["x"])
        emulator.config.error_rate = 0.5
        with labelkit.record_calls() as calls:
            for _ in range(10):
                await redflag.get_operation(op_id)
    assert emulator.stats.errors_injected > 0
    assert sum(c.retries_taken for c in calls) == emulator.stats.errors_injected


@pytest.mark.anyio
async def test_bulk_upload_bounds_requests_in_flight_at_the_server(
    server: EmulatorServer, emulator: RedFlagEmulator, tmp_path: pathlib.Path
) -> None:
    emulator.config.latency = 0.05
    files: list[object] = [*images(tmp_path, 30), b"GIF89a"]
    async with client(server) as redflag:
        outcomes = await redflag.upload_files(files, concurrency=5).collect()  # type: ignore[arg-type]
    assert emulator.stats.max_in_flight == 5
    assert [o.index for o in outcomes] == list(range(31))
    assert [o.status.value for o in outcomes].count("ok") == 30
    assert isinstance(outcomes[-1].error, labelkit.ValidationError)
    assert len(emulator.uploads) == 30


@pytest.mark.anyio
async def test_wait_operations_yields_each_once(
    server: EmulatorServer, emulator: RedFlagEmulator
) -> None:
    async with client(server) as redflag:
        ids = [
            await redflag.create_operation(
                "text", ["topic"], [f"t{i}" + ("__fail__" if i == 3 else "")]
            )
            for i in range(6)
        ]
        async with redflag.wait_operations(ids) as run:
            outcomes = [o async for o in run]
    assert sorted(o.item for o in outcomes) == ids
    failed = [o for o in outcomes if not o.ok]
    assert [o.item for o in failed] == [ids[3]] and isinstance(
        failed[0].error, labelkit.JobFailedError
    )


@pytest.fixture
def limited_server_url() -> Iterator[str]:
    """The emulator in its own process (as a real server is), enforcing 50 per 1 s.

    In a thread of the test process it would share the GIL with 200 client
    tasks and stamp arrivals up to ~150 ms late, skewing its own window.
    """
    command = [sys.executable, "-m", "labelkit._cli", "emulate", "redflag", "--port", "0"]
    command += ["--rate-limit", "50/1", "--processing-time", "0.2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield line.rsplit(" ", 1)[-1].strip() + API
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.anyio
async def test_shared_rate_limit_across_tasks_and_sync_threads(limited_server_url: str) -> None:
    """30 async tasks plus 4 threads on the sync facade (10 calls each) share one
    credential's limit of 50 per 1.5 s: 71 requests need a second window, so the run
    cannot end before it opens. Separate limiters would admit every client's share
    (at most 40) at once. Only lower bounds: a loaded machine can only make it slower.

    A 429 caused by arrivals bunched on a loaded machine is retried (a 429 is never
    processed, so retrying it is safe); exactness against the server's window is
    proven on virtual time in tests/core/test_ratelimit.py.
    """
    rate = RateLimit(50, 1.0, margin=0.5)
    base = limited_server_url
    errors: list[BaseException] = []
    started = anyio.current_time()
    async with AsyncRedFlag(TOKEN, base_url=base, rate_limit=rate) as redflag:
        op_id = await redflag.create_operation("text", ["topic"], ["x"])

        def sync_worker() -> None:
            try:
                with RedFlag(TOKEN, base_url=base, rate_limit=rate) as sync_client:
                    for _ in range(10):
                        sync_client.get_operation(op_id)
            except BaseException as exc:
                errors.append(exc)

        async def async_worker() -> None:
            try:
                await redflag.get_operation(op_id)
            except labelkit.LabelkitError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=sync_worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        async with anyio.create_task_group() as tg:
            for _ in range(30):
                tg.start_soon(async_worker)
        await anyio.to_thread.run_sync(lambda: [t.join() for t in threads])
        elapsed = anyio.current_time() - started
    assert errors == []
    # The 51st grant waits for the second window, at least 1.5 s after the first.
    assert elapsed >= 1.5


# -- the sync facade -------------------------------------------------------------


def test_sync_facade_end_to_end(server: EmulatorServer, tmp_path: pathlib.Path) -> None:
    with RedFlag(TOKEN, base_url=server.url + API, poll=FAST_POLL) as redflag:
        ids = [o.value for o in redflag.upload_files(images(tmp_path, 4)) if o.ok]
        assert len(ids) == 4
        op = redflag.analyze("file", ["object-id"], ids)
        assert op.status is OperationStatus.DONE
        assert redflag.upload_file(io.BytesIO(b"\x89PNG...."), filename="x.png") > 0
        finished = list(redflag.wait_operations([op.id]))  # type: ignore[list-item]
        assert finished[0].ok and finished[0].value is not None


def test_sync_facade_inside_a_running_event_loop(server: EmulatorServer) -> None:
    """The Jupyter situation: sync calls made from a thread whose loop is running."""

    async def notebook_cell() -> OperationStatus:
        with RedFlag(TOKEN, base_url=server.url + API, poll=FAST_POLL) as redflag:
            return redflag.analyze("text", ["topic"], ["hello"]).status

    assert asyncio.run(notebook_cell()) is OperationStatus.DONE


def test_sync_client_shared_by_threads(server: EmulatorServer, emulator: RedFlagEmulator) -> None:
    results: list[int] = []
    with RedFlag(TOKEN, base_url=server.url + API) as redflag:
        threads = [
            threading.Thread(
                target=lambda: results.extend(
                    redflag.create_operation("text", ["topic"], ["t"]) for _ in range(10)
                )
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == sorted(emulator.operations) and len(results) == 80


def test_sync_errors_are_the_same_types(server: EmulatorServer) -> None:
    with RedFlag(TOKEN, base_url=server.url + API) as redflag:
        with pytest.raises(labelkit.NotFoundError):
            redflag.get_operation(999)
        with pytest.raises(labelkit.ValidationError):
            redflag.create_operation("text", ["nope"], ["x"])


def test_in_process_emulator_needs_no_socket() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    with RedFlag(
        TOKEN, base_url=emulator.base_url, transport=emulator.transport(), poll=FAST_POLL
    ) as redflag:
        op = redflag.analyze("text", ["spam-detection"], ["buy now"])
    assert op.status is OperationStatus.DONE and emulator.stats.requests >= 2
