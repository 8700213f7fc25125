"""Local FastLabel converters (COCO, YOLO, Pascal VOC, labelme, index PNGs).

Importing this package is cheap: numpy, Pillow and defusedxml (the
``labelkit[convert]`` extra) are imported only by the functions that need them.
"""

from ._coco import convert_coco_to_fastlabel, export_coco, to_coco
from ._contours import mask_to_fastlabel_segmentation_points
from ._images import export_image_with_annotations
from ._labelme import convert_labelme_to_fastlabel, export_labelme, to_labelme
from ._pascalvoc import convert_pascalvoc_to_fastlabel, export_pascalvoc, to_pascalvoc
from ._paths import safe_output_path
from ._segmentation import (
    COLOR_PALETTE,
    export_instance_segmentation,
    export_semantic_segmentation,
    to_index_masks,
)
from ._yolo import convert_yolo_to_fastlabel, export_yolo, to_yolo

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
]
