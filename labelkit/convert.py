"""FastLabel annotation converters: COCO, YOLO, Pascal VOC, labelme and index-colour PNGs.

``from labelkit.convert import export_coco, convert_coco_to_fastlabel``

Exporters take FastLabel task dicts (as the task list endpoints return them)
and write files; the ``to_*`` twins build the same data without writing.
Importers return ``{image file name: [annotation, ...]}``, ready to pass as a
task's ``annotations``. All run locally; numpy, Pillow and defusedxml come
with ``pip install 'labelkit[convert]'``.
"""

from ._convert._coco import convert_coco_to_fastlabel, export_coco, to_coco
from ._convert._contours import mask_to_fastlabel_segmentation_points
from ._convert._images import export_image_with_annotations
from ._convert._labelme import convert_labelme_to_fastlabel, export_labelme, to_labelme
from ._convert._pascalvoc import convert_pascalvoc_to_fastlabel, export_pascalvoc, to_pascalvoc
from ._convert._paths import safe_output_path
from ._convert._segmentation import (
    COLOR_PALETTE,
    export_instance_segmentation,
    export_semantic_segmentation,
    to_index_masks,
)
from ._convert._video import video_frame_tasks
from ._convert._yolo import convert_yolo_to_fastlabel, export_yolo, to_yolo

__all__ = [
    "COLOR_PALETTE",
    "convert_coco_to_fastlabel",
    "convert_labelme_to_fastlabel",
    "convert_pascalvoc_to_fastlabel",
    "convert_yolo_to_fastlabel",
    "export_coco",
    "export_image_with_annotations",
    "export_instance_segmentation",
    "export_labelme",
    "export_pascalvoc",
    "export_semantic_segmentation",
    "export_yolo",
    "mask_to_fastlabel_segmentation_points",
    "safe_output_path",
    "to_coco",
    "to_index_masks",
    "to_labelme",
    "to_pascalvoc",
    "to_yolo",
    "video_frame_tasks",
]
