"""No write of labelkit follows a symlink out of its target folder, nor creates anything outside.

For each writer (dataset downloads, every converter that exports to a folder,
the ``convert`` command, the journal's SQLite files): a symlinked file or
sub-folder below the target is refused with UnsafePathError before anything
is written or created, ``..`` names from the server stay inside, and normal
writes (including into a root that is itself a symlink) still work.
"""

from __future__ import annotations

import json
import pathlib
import typing
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

import labelkit
from labelkit import Journal, UnsafePathError, ValidationError
from labelkit._cli import main
from labelkit._confined import ConfinedFolder
from labelkit.convert import (
    export_coco,
    export_image_with_annotations,
    export_instance_segmentation,
    export_labelme,
    export_pascalvoc,
    export_semantic_segmentation,
    export_yolo,
)
from labelkit.emulators import EmulatorConfig, EmulatorServer, FastLabelEmulator
from labelkit.fastlabel import AsyncFastLabel
from tests.providers.fastlabel.test_fastlabel_download import (
    Fake,
    client_for,
    content_of,
    files_under,
    obj,
)

VICTIM = b"precious bytes that labelkit must never touch\n"


def snapshot(folder: pathlib.Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (symlinks not followed) with the content of its files."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def outside(tmp_path: pathlib.Path) -> pathlib.Path:
    folder = tmp_path / "outside"
    (folder / "nested").mkdir(parents=True)
    (folder / "victim.txt").write_bytes(VICTIM)
    return folder


def no_part_files(folder: pathlib.Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".part")]


# -- FastLabel download_dataset_objects ----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("leaf", ["train/annotations.json", "train/a.jpg", "train/sub/b.jpg"])
async def test_download_refuses_a_symlinked_file(
    tmp_path: pathlib.Path, outside: pathlib.Path, leaf: str
) -> None:
    out = tmp_path / "out"
    (out / "train" / "sub").mkdir(parents=True)
    (out / leaf).symlink_to(outside / "victim.txt")
    before = snapshot(outside)
    fake = Fake([obj("a.jpg"), obj("sub/b.jpg")])
    async with client_for(fake) as client:
        with pytest.raises(UnsafePathError, match="symbolic link") as info:
            await client.download_dataset_objects("dogs", out)
    assert info.value.path == str(out / leaf)
    assert snapshot(outside) == before
    assert fake.storage_requests == []  # refused before anything was fetched
    assert files_under(out) == [leaf]  # the symlink, and nothing written


@pytest.mark.anyio
@pytest.mark.parametrize("link", ["train", "train/sub"])
async def test_download_refuses_a_symlinked_folder_creating_nothing_outside(
    tmp_path: pathlib.Path, outside: pathlib.Path, link: str
) -> None:
    out = tmp_path / "out"
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    fake = Fake([obj("sub/deep/er/x.jpg"), obj("ok.jpg", type="valid")])
    async with client_for(fake) as client:
        with pytest.raises(UnsafePathError, match="symbolic link"):
            await client.download_dataset_objects("dogs", out)
    assert snapshot(outside) == before  # no folder made through the link
    assert fake.storage_requests == []
    assert not (out / "valid").exists()  # refused as a whole, before any folder is made


@pytest.mark.anyio
async def test_download_names_from_the_server_cannot_leave_the_target(
    tmp_path: pathlib.Path, outside: pathlib.Path
) -> None:
    out = tmp_path / "a" / "out"
    evil = ["../../evil.jpg", "x/../../../evil.jpg", "/tmp/evil.jpg", "..\\..\\evil.jpg"]
    fake = Fake(
        [obj(name) for name in evil]
        + [obj("evil.jpg", type="../../.."), obj("fine.jpg", type="train")]
    )
    before = snapshot(tmp_path)
    async with client_for(fake) as client:
        written = await client.download_dataset_objects("dogs", out)
    assert [o.name for o in written] == ["fine.jpg"]
    assert sorted(s.name for s in written.skipped) == sorted([*evil, "evil.jpg"])
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("a")} == before
    assert files_under(out) == ["train/annotations.json", "train/fine.jpg"]


@pytest.mark.anyio
async def test_download_into_a_symlinked_root_still_works(tmp_path: pathlib.Path) -> None:
    # The folder the caller names may itself be a symlink (``/tmp`` on macOS).
    real = tmp_path / "real"
    real.mkdir()
    root = tmp_path / "root"
    root.symlink_to(real, target_is_directory=True)
    (real / "train").mkdir()
    (real / "train" / "a.jpg").write_bytes(b"old")  # a plain file is replaced
    fake = Fake([obj("a.jpg"), obj("sub/dir/b.jpg", type="valid")])
    async with client_for(fake) as client:
        written = await client.download_dataset_objects("dogs", root)
    assert written.path_of["sub/dir/b.jpg"] == str(root / "valid" / "sub" / "dir" / "b.jpg")
    assert (real / "train" / "a.jpg").read_bytes() == content_of("a.jpg")
    assert (real / "valid" / "sub" / "dir" / "b.jpg").read_bytes() == content_of("sub/dir/b.jpg")
    entries = json.loads((real / "valid" / "annotations.json").read_text())
    assert [e["name"] for e in entries] == ["sub/dir/b.jpg"]
    assert no_part_files(real)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(FastLabelEmulator(config=EmulatorConfig(seed=1))) as running:
        yield running


@pytest.mark.anyio
async def test_download_from_the_emulator_refuses_a_planted_annotations_link(
    server: EmulatorServer, tmp_path: pathlib.Path, outside: pathlib.Path
) -> None:
    source = tmp_path / "src.png"
    Image.new("RGB", (8, 8)).save(source)
    out = tmp_path / "out"
    (out / "none").mkdir(parents=True)
    (out / "none" / "annotations.json").symlink_to(outside / "victim.txt")
    before = snapshot(outside)
    async with AsyncFastLabel("test-token", base_url=server.url + "/v1/") as fl:
        await fl.create_dataset("cars")
        await fl.create_dataset_object("cars", "a.png", source)
        await fl.create_dataset_object("cars", "../../evil.png", source)
        with pytest.raises(UnsafePathError, match="symbolic link"):
            await fl.download_dataset_objects("cars", out)
        assert snapshot(outside) == before
        assert not (out / "none" / "a.png").exists()

        (out / "none" / "annotations.json").unlink()
        download = await fl.download_dataset_objects("cars", out)
    assert [o.name for o in download] == ["a.png"]
    assert [s.name for s in download.skipped] == ["../../evil.png"]
    assert (out / "none" / "a.png").read_bytes() == source.read_bytes()
    assert snapshot(outside) == before
    assert not (tmp_path.parent / "evil.png").exists()


# -- converters exporting to a folder ------------------------------------------------------

TASK: dict[str, typing.Any] = {
    "name": "img/a.png",
    "width": 8,
    "height": 6,
    "annotations": [
        {"type": "bbox", "value": "cat", "points": [1, 1, 5, 4], "color": "#ff0000"},
        {"type": "polygon", "value": "dog", "points": [1, 1, 6, 1, 6, 5]},
    ],
}


class Exporter(typing.NamedTuple):
    run: Callable[[list[dict[str, typing.Any]], pathlib.Path], object]
    files: tuple[str, ...]  # what it writes for TASK, relative to the output folder


def _images(tasks: list[dict[str, typing.Any]], out: pathlib.Path) -> object:
    source = out.parent / "images"
    (source / "img").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6), "white").save(source / "img" / "a.png")
    return export_image_with_annotations(tasks, source, out)


EXPORTERS = {
    "yolo": Exporter(
        lambda t, o: export_yolo(t, output_dir=o), ("annotations/img/a.txt", "classes.txt")
    ),
    "pascalvoc": Exporter(lambda t, o: export_pascalvoc(t, o), ("annotations/img/a.xml",)),
    "labelme": Exporter(lambda t, o: export_labelme(t, o), ("img/a.json",)),
    "coco": Exporter(lambda t, o: export_coco(t, None, o), ("annotations.json",)),
    "instance": Exporter(lambda t, o: export_instance_segmentation(t, o), ("img/a.png",)),
    "semantic": Exporter(lambda t, o: export_semantic_segmentation(t, o), ("img/a.png",)),
    "images": Exporter(_images, ("img/a.png",)),
}
LEAVES = [(kind, leaf) for kind, spec in EXPORTERS.items() for leaf in spec.files]
FOLDERS = sorted(
    {(kind, leaf.split("/")[0]) for kind, leaf in LEAVES if "/" in leaf}
    | {(kind, "/".join(leaf.split("/")[:2])) for kind, leaf in LEAVES if leaf.count("/") == 2}
)


@pytest.mark.parametrize(("kind", "leaf"), LEAVES)
def test_export_refuses_a_symlinked_file(
    tmp_path: pathlib.Path, outside: pathlib.Path, kind: str, leaf: str
) -> None:
    out = tmp_path / "out"
    (out / leaf).parent.mkdir(parents=True)
    (out / leaf).symlink_to(outside / "victim.txt")
    before = snapshot(outside)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        EXPORTERS[kind].run([TASK], out)
    assert snapshot(outside) == before
    # Every path is checked before the first write: nothing else was written.
    assert [p for p in out.rglob("*") if p.is_file() and not p.is_symlink()] == []


@pytest.mark.parametrize(("kind", "link"), FOLDERS)
def test_export_refuses_a_symlinked_folder_creating_nothing_outside(
    tmp_path: pathlib.Path, outside: pathlib.Path, kind: str, link: str
) -> None:
    out = tmp_path / "out"
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        EXPORTERS[kind].run([TASK], out)
    assert snapshot(outside) == before


@pytest.mark.parametrize("kind", [k for k in EXPORTERS if k not in ("coco", "images")])
@pytest.mark.parametrize("name", ["../../evil.png", "img/../../../evil.png", "..\\..\\evil.png"])
def test_export_refuses_task_names_leaving_the_folder(
    tmp_path: pathlib.Path, kind: str, name: str
) -> None:
    out = tmp_path / "a" / "out"
    before = snapshot(tmp_path)
    with pytest.raises(ValidationError, match="escape"):
        EXPORTERS[kind].run([{**TASK, "name": name}], out)
    assert snapshot(tmp_path) == before  # not even the output folder was made


@pytest.mark.parametrize("kind", EXPORTERS)
def test_export_into_a_symlinked_root_still_works(tmp_path: pathlib.Path, kind: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "out"
    out.symlink_to(real, target_is_directory=True)
    for leaf in EXPORTERS[kind].files:  # plain old files are replaced
        (real / leaf).parent.mkdir(parents=True, exist_ok=True)
        (real / leaf).write_bytes(b"stale")
    EXPORTERS[kind].run([TASK], out)
    for leaf in EXPORTERS[kind].files:
        assert (real / leaf).stat().st_size > 0
        assert (real / leaf).read_bytes() != b"stale"
    assert no_part_files(real)
    if kind == "yolo":
        assert (real / "classes.txt").read_text() == "cat\ndog\n"
    if kind in ("instance", "images"):
        with Image.open(real / "img" / "a.png") as image:
            assert image.size == (8, 6)


# -- the convert command -------------------------------------------------------------------


@pytest.mark.parametrize(("target", "link"), [("yolo", "annotations"), ("labelme", "img")])
def test_convert_command_refuses_a_symlinked_output_folder(
    tmp_path: pathlib.Path,
    outside: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    target: str,
    link: str,
) -> None:
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([TASK]))
    out = tmp_path / "out"
    out.mkdir()
    (out / link).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    argv = ["convert", "--from", "fastlabel", "--to", target, str(tasks), "-o", str(out)]
    assert main(argv) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert snapshot(outside) == before
    (out / link).unlink()
    assert main(argv) == 0
    assert (out / EXPORTERS[target].files[0]).is_file()


# -- the journal's SQLite files ------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
async def test_journal_refuses_a_planted_sqlite_sidecar_link(
    tmp_path: pathlib.Path, outside: pathlib.Path, suffix: str
) -> None:
    path = tmp_path / "upload.journal"
    pathlib.Path(f"{path}{suffix}").symlink_to(outside / "victim.txt")
    before = snapshot(outside)
    journal = Journal(path)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        await journal.add(["a"])
    await journal.aclose()
    assert snapshot(outside) == before
    assert not path.exists()


@pytest.mark.anyio
async def test_journal_path_may_be_a_symlink_the_caller_chose(tmp_path: pathlib.Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    async with Journal(tmp_path / "link" / "upload.journal") as journal:
        await journal.add(["a"])
        assert [e.key for e in await journal.entries()] == ["a"]
    assert (tmp_path / "real" / "upload.journal").is_file()


# -- the core ------------------------------------------------------------------------------


@pytest.mark.parametrize("dir_fd", [True, False], ids=["dir-fd", "path-fallback"])
def test_confined_folder_core(
    tmp_path: pathlib.Path, outside: pathlib.Path, monkeypatch: pytest.MonkeyPatch, dir_fd: bool
) -> None:
    # The path-based fallback is what Windows gets; it must refuse the same things.
    monkeypatch.setattr("labelkit._confined.USE_DIR_FD", dir_fd)
    folder = ConfinedFolder(tmp_path / "out")
    assert folder.write_text("a/b/c.txt", "hi") == tmp_path / "out" / "a" / "b" / "c.txt"
    assert (tmp_path / "out" / "a" / "b" / "c.txt").read_text() == "hi"
    (tmp_path / "out" / "link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "out" / "a" / "leaf").symlink_to(outside / "victim.txt")
    (tmp_path / "out" / "file").write_text("x")
    before = snapshot(outside)
    refused = {
        "link/new/x.txt": "symbolic link",
        "a/leaf": "symbolic link",
        "file/x.txt": "not a folder",
        "a/b": "folder is in the way",
        "../x.txt": r"'\.\.'",
        "/etc/x.txt": "absolute",
        "a\x00b": "NUL",
    }
    for relative, reason in refused.items():
        with pytest.raises(UnsafePathError, match=reason):
            folder.check(relative)
        with pytest.raises(UnsafePathError, match=reason):
            folder.write_bytes(relative, b"x")
    with pytest.raises(UnsafePathError, match="symbolic link"):
        folder.makedirs("link/new")
    with pytest.raises(RuntimeError), folder.open("a/b/d.txt") as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert not (tmp_path / "out" / "a" / "b" / "d.txt").exists()
    assert snapshot(outside) == before
    assert no_part_files(tmp_path / "out")


def test_unsafe_path_error_is_public() -> None:
    assert labelkit.UnsafePathError is UnsafePathError
    assert issubclass(UnsafePathError, ValidationError)
