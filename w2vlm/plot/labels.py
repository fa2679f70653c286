"""Word labels beside their points without covering each other: a greedy search over nearby positions."""

import numpy as np

_DIRECTIONS = np.array([(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1)], dtype=float)
_DIRECTIONS /= np.linalg.norm(_DIRECTIONS, axis=1, keepdims=True)
_RADII = (4, 11, 20, 32, 46)   # points between the marker and the label's nearest corner or edge
_MARKER_HALF = 3.5             # pixels: a marker is an obstacle of this half-size
_PAD = 1.5                     # pixels kept clear around every label


def _text_size(ax, label, font, renderer):
    """Width and height in pixels of ``label`` drawn in ``font``."""
    probe = ax.text(0, 0, label, fontproperties=font)
    box = probe.get_window_extent(renderer)
    probe.remove()
    return box.width + 2 * _PAD, box.height + 2 * _PAD


def _box_at(anchor, offset, size, direction):
    """(x0, y0, x1, y1) of a label of ``size`` whose near side sits ``offset`` pixels from ``anchor``."""
    (px, py), (ox, oy), (w, h), (dx, dy) = anchor, offset, size, direction
    x0 = px + ox if dx > 1e-9 else px + ox - w if dx < -1e-9 else px + ox - w / 2
    y0 = py + oy if dy > 1e-9 else py + oy - h if dy < -1e-9 else py + oy - h / 2
    return np.array([x0, y0, x0 + w, y0 + h])


def _overlap(box, boxes):
    """Total area ``box`` shares with the rows of ``boxes`` (k, 4)."""
    if len(boxes) == 0:
        return 0.0
    boxes = np.asarray(boxes)
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    return float((width * height).sum())


def _outside(box, frame):
    """Area of ``box`` that lies outside the axes ``frame`` (x0, y0, x1, y1)."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - _overlap(box, [frame])


def _line_boxes(segments, transform, step=6.0, half=1.5):
    """Small boxes every ``step`` pixels along each (start, end) data-coordinate segment (arrows)."""
    boxes = []
    for start, end in segments:
        a, b = transform.transform(np.asarray([start, end], dtype=float))
        count = max(int(np.hypot(*(b - a)) // step), 1)
        along = a + np.linspace(0.0, 1.0, count + 1)[:, None] * (b - a)   # (count + 1, 2)
        boxes.append(np.hstack([along - half, along + half]))
    return np.vstack(boxes) if boxes else np.empty((0, 4))


def place_labels(ax, points, labels, font, color="0.15", segments=()):
    """Annotate ``points`` (n, 2 data coordinates) with ``labels``, each at the nearest position that covers no
    placed label, no marker and stays inside the axes; among positions equally near, the one crossing the fewest
    ``segments`` (arrows, as pairs of data points). A label pushed away from its point gets a thin leader line.
    Call after the axis limits are final. Returns the number of labels that could not be placed without
    overlap (they go where they overlap least)."""
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    px_per_point = figure.dpi / 72.0
    anchors = ax.transData.transform(np.asarray(points, dtype=float))      # (n, 2) display pixels
    frame = ax.get_window_extent(renderer).extents
    markers = np.hstack([anchors - _MARKER_HALF, anchors + _MARKER_HALF])   # (n, 4)
    lines = _line_boxes(segments, ax.transData)
    placed, crowded = [], 0
    for i, label in enumerate(labels):
        size = _text_size(ax, label, font, renderer)
        others = np.delete(markers, i, axis=0)
        best = None  # (hard cost, soft cost, radius, direction): covering labels/markers/frame is hard, lines soft
        for radius in _RADII:
            for direction in _DIRECTIONS:
                box = _box_at(anchors[i], direction * radius * px_per_point, size, direction)
                hard = _overlap(box, placed) + _overlap(box, others) + 4 * _outside(box, frame)
                candidate = (hard, _overlap(box, lines), radius, tuple(direction))
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
            if best[0] == 0:
                break
        hard, _, radius, direction = best
        direction = np.array(direction)
        crowded += int(hard > 0)
        offset = direction * radius
        placed.append(_box_at(anchors[i], offset * px_per_point, size, direction))
        leader = dict(arrowstyle="-", color="0.6", lw=0.5, shrinkA=0, shrinkB=2) if radius > _RADII[0] else None
        ax.annotate(label, xy=points[i], xytext=offset, textcoords="offset points", fontproperties=font, color=color,
                    ha="left" if direction[0] > 1e-9 else "right" if direction[0] < -1e-9 else "center",
                    va="bottom" if direction[1] > 1e-9 else "top" if direction[1] < -1e-9 else "center",
                    arrowprops=leader, annotation_clip=False)
    return crowded
