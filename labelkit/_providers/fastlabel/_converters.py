"""The official SDK's local converters, as client methods.

The work is done by :mod:`labelkit.convert` (no network; numpy, Pillow and
defusedxml from ``labelkit[convert]``). The methods here only fetch what the
official ones fetched (the project's type) and run the conversion in a worker
thread, so a large export never blocks the event loop.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
import anyio.to_thread

from ..._errors import ValidationError
from ._download import display_url
from ._projects import ProjectsMixin

__all__ = ["ConvertersMixin"]

T = typing.TypeVar("T")
Annotations = dict[str, list[dict[str, typing.Any]]]


async def _off_loop(fn: typing.Callable[..., T], *args: object, **kwargs: object) -> T:
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


class ConvertersMixin(ProjectsMixin):
    """``export_*`` and ``convert_*`` of ``fastlabel.Client`` (see :mod:`labelkit.convert`)."""

    async def _project_type(self, project: str) -> str | None:
        found = await self.find_project_by_slug(project)
        if found is None:
            raise ValidationError("project", f"no project with slug {project!r}")
        return found.type

    async def _image_tasks(
        self, project_type: str | None, tasks: Sequence[object], output_dir: str | Path
    ) -> Sequence[object]:
        """The tasks to export: those given, or for a video project one task per frame.

        As the SDK does for ``video_*`` projects, each task's video is downloaded
        from its ``url`` (no API token sent) and its frames are written to
        ``output_dir/images`` (see :func:`labelkit.convert.video_frame_tasks`).
        """
        if not (project_type or "").startswith("video"):
            return tasks
        if isinstance(tasks, (str, bytes, Mapping)):
            raise ValidationError("tasks", "expected a list of tasks")
        urls = [_video_url(task, index) for index, task in enumerate(tasks)]
        # As the SDK: one video on disk at a time (downloaded, decoded, deleted); the
        # file system work in a worker thread, never blocking the event loop.
        scratch = Path(await _off_loop(tempfile.mkdtemp, prefix="labelkit-video-"))
        frames: list[dict[str, typing.Any]] = []
        try:
            for index, (task, url) in enumerate(zip(tasks, urls, strict=True)):
                video = scratch / f"{index}.mp4"
                try:
                    async with (
                        self._stream("GET", url, shown_url=display_url(url)) as response,
                        await anyio.open_file(video, "wb") as handle,
                    ):
                        async for chunk in response.aiter_bytes():
                            await handle.write(chunk)
                    frames += await _off_loop(_frames, task, video, output_dir, index)
                finally:
                    with anyio.CancelScope(shield=True):
                        await _off_loop(video.unlink, missing_ok=True)
        finally:
            with anyio.CancelScope(shield=True):
                await _off_loop(shutil.rmtree, scratch, ignore_errors=True)
        return frames

    async def export_coco(
        self,
        project: str,
        tasks: Sequence[object],
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        output_dir: str | Path = "output/coco",
        output_file_name: str = "annotations.json",
    ) -> Path:
        """Write the tasks of ``project`` as COCO (see :func:`labelkit.convert.export_coco`).

        ``annotations`` are the project's annotation classes (categories);
        rotated boxes are exported rotated. Returns the JSON file's path.
        """
        from ... import convert

        project_type = await self._project_type(project)
        return await _off_loop(
            convert.export_coco,
            await self._image_tasks(project_type, tasks, output_dir),
            annotations,
            output_dir,
            output_file_name,
        )

    async def export_yolo(
        self,
        project: str,
        tasks: Sequence[object],
        classes: Sequence[str] | None = None,
        output_dir: str | Path = "output/yolo",
    ) -> Path:
        """Write YOLO label files and a ``classes.txt`` consistent with the ids used."""
        from ... import convert

        project_type = await self._project_type(project)
        frames = await self._image_tasks(project_type, tasks, output_dir)
        return await _off_loop(
            convert.export_yolo, frames, classes, output_dir, project_type=project_type
        )

    async def export_pascalvoc(
        self, project: str, tasks: Sequence[object], output_dir: str | Path = "output/pascalvoc"
    ) -> Path:
        """Write one Pascal VOC XML per task (``project`` is checked to exist)."""
        from ... import convert

        project_type = await self._project_type(project)
        frames = await self._image_tasks(project_type, tasks, output_dir)
        return await _off_loop(convert.export_pascalvoc, frames, output_dir)

    async def export_labelme(
        self, tasks: Sequence[object], output_dir: str | Path = "output/labelme"
    ) -> Path:
        """Write one labelme JSON per task."""
        from ... import convert

        return await _off_loop(convert.export_labelme, tasks, output_dir)

    async def export_instance_segmentation(
        self,
        tasks: Sequence[object],
        output_dir: str | Path = "output/instance_segmentation",
        pallete: Sequence[typing.Any] | None = None,
        start_index: int = 1,
    ) -> Path:
        """Write index-colour PNGs, one index per annotation (later ones paint over earlier)."""
        from ... import convert

        palette = convert.COLOR_PALETTE if pallete is None else pallete
        return await _off_loop(
            convert.export_instance_segmentation, tasks, output_dir, palette, start_index
        )

    async def export_semantic_segmentation(
        self,
        tasks: Sequence[object],
        output_dir: str | Path = "output/semantic_segmentation",
        pallete: Sequence[typing.Any] | None = None,
        classes: Sequence[str] | None = None,
        start_index: int = 1,
    ) -> Path:
        """Write index-colour PNGs, one index per class."""
        from ... import convert

        palette = convert.COLOR_PALETTE if pallete is None else pallete
        return await _off_loop(
            convert.export_semantic_segmentation, tasks, output_dir, palette, classes, start_index
        )

    async def export_image_with_annotations(
        self,
        tasks: Sequence[object],
        image_dir: str | Path,
        output_dir: str | Path = "output/images_with_annotations",
    ) -> list[Path]:
        """Draw each task's annotations on its image from ``image_dir``; returns the files."""
        from ... import convert

        return await _off_loop(convert.export_image_with_annotations, tasks, image_dir, output_dir)

    async def convert_coco_to_fastlabel(
        self, file_path: str | Path, annotation_type: str = "bbox"
    ) -> Annotations:
        """COCO JSON to ``{file name: [annotation, ...]}`` (uses the COCO ``bbox`` for boxes)."""
        from ... import convert

        return await _off_loop(convert.convert_coco_to_fastlabel, file_path, annotation_type)

    async def convert_yolo_to_fastlabel(
        self,
        classes_file_path: str | Path,
        dataset_folder_path: str | Path,
        project_type: str = "bbox",
    ) -> Annotations:
        """YOLO labels (+ images for their sizes) to ``{file name: [annotation, ...]}``."""
        from ... import convert

        return await _off_loop(
            convert.convert_yolo_to_fastlabel, classes_file_path, dataset_folder_path, project_type
        )

    async def convert_pascalvoc_to_fastlabel(self, folder_path: str | Path) -> Annotations:
        """Pascal VOC XML files (parsed with defusedxml) to ``{file name: [annotation, ...]}``."""
        from ... import convert

        return await _off_loop(convert.convert_pascalvoc_to_fastlabel, folder_path)

    async def convert_labelme_to_fastlabel(self, folder_path: str | Path) -> Annotations:
        """labelme JSON files to ``{file name: [annotation, ...]}``."""
        from ... import convert

        return await _off_loop(convert.convert_labelme_to_fastlabel, folder_path)

    async def mask_to_fastlabel_segmentation_points(
        self, mask_image: object
    ) -> list[list[list[float]]]:
        """A binary mask (path or 2-D array) to segmentation ``points`` with holes, clockwise."""
        from ... import convert

        return await _off_loop(convert.mask_to_fastlabel_segmentation_points, mask_image)


def _video_url(task: object, index: int) -> str:
    """A video task's ``url`` (a dict's key or a task model's attribute)."""
    url = task.get("url") if isinstance(task, Mapping) else getattr(task, "url", None)
    if not isinstance(url, str) or not url:
        raise ValidationError(f"tasks[{index}].url", "a video task needs its url")
    return url


def _frames(
    task: object, video: Path, output_dir: str | Path, index: int
) -> list[dict[str, typing.Any]]:
    """One task's frames (:func:`labelkit.convert.video_frame_tasks`), named ``tasks[index]``."""
    from ... import convert

    try:
        frames: list[dict[str, typing.Any]] = convert.video_frame_tasks([task], [video], output_dir)
    except ValidationError as exc:
        if not exc.field.startswith("tasks[0]"):
            raise
        field = f"tasks[{index}]" + exc.field[len("tasks[0]") :]
        raise ValidationError(field, exc.message, limit=exc.limit) from exc
    return frames
