"""The page as the reader sees it: visible box, rotation and user unit folded into one matrix.

A stamp is laid out in a *frame*: origin at the bottom-left corner of what a viewer
shows, x to the right, y up, in points. :attr:`PageFrame.matrix` maps the frame
into the page's own user space, so one ``cm`` makes the stamp read upright on a
page with /Rotate 90, sit inside a CropBox, or ignore a MediaBox that does not
start at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf

__all__ = ["PageFrame", "page_frame"]

Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class PageFrame:
    """Size of the visible page in points, upright, and the matrix into user space."""

    width: float
    height: float
    matrix: Matrix

    def cm(self) -> bytes:
        """The ``cm`` operator that puts following drawing into this frame."""
        a, b, c, d, e, f = self.matrix
        return f"{a:.4f} {b:.4f} {c:.4f} {d:.4f} {e:.3f} {f:.3f} cm\n".encode("ascii")


def _box(value: object) -> tuple[float, float, float, float] | None:
    """A rectangle as (left, bottom, right, top), whatever corner order the file uses."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def frame_for(
    media: tuple[float, float, float, float],
    crop: tuple[float, float, float, float] | None,
    rotate: float,
    user_unit: float = 1.0,
) -> PageFrame:
    """The frame of a page with these boxes, /Rotate and /UserUnit."""
    left, bottom, right, top = media
    if crop is not None:
        cl, cb, cr, ct = crop
        if cl < cr and cb < ct and cl < right and cr > left and cb < top and ct > bottom:
            left, bottom = max(left, cl), max(bottom, cb)
            right, top = min(right, cr), min(top, ct)
    rotate = int(rotate) % 360
    if rotate % 90:
        rotate = 0  # not a valid /Rotate; viewers show such pages unrotated
    s = 1.0 / user_unit if user_unit > 0 else 1.0
    w, h = (right - left) / s, (top - bottom) / s  # in points, as the reader sees them
    # Clockwise rotation of the page for display: pick where the frame's origin lands
    # and which user-space directions its axes follow.
    matrix: Matrix
    if rotate == 0:
        matrix = (s, 0.0, 0.0, s, left, bottom)
    elif rotate == 90:
        matrix = (0.0, s, -s, 0.0, right, bottom)
        w, h = h, w
    elif rotate == 180:
        matrix = (-s, 0.0, 0.0, -s, right, top)
    else:
        matrix = (0.0, -s, s, 0.0, left, top)
        w, h = h, w
    return PageFrame(width=w, height=h, matrix=matrix)


def page_frame(page: pikepdf.Page) -> PageFrame:
    """The frame of ``page``, following inherited /MediaBox, /CropBox and /Rotate."""
    media = _box(page.mediabox) or (0.0, 0.0, 612.0, 792.0)
    crop = _box(page.cropbox)  # falls back to the media box
    return frame_for(media, crop, _number(page.rotation, 0), _number(page.obj.get("/UserUnit"), 1))


def _number(value: object, default: int) -> int | float:
    try:
        return float(value) if not isinstance(value, int) else value  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
