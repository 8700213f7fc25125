"""Local FastLabel converters (COCO, YOLO, Pascal VOC, labelme, index PNGs).

The public names are re-exported by :mod:`labelkit.convert`, the one list of
them. Importing this package is cheap: numpy, Pillow and defusedxml (the
``labelkit[convert]`` extra) are imported only by the functions that need them.
"""
