"""The reader's frame: its corners land on the visible page's corners, the right way up."""

from __future__ import annotations

import pytest

from meetingsvc.issuance.pdf.frames import frame_for

MEDIA = (10.0, 20.0, 610.0, 820.0)  # 600 × 800, not at the origin


def _apply(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return (round(a * x + c * y + e, 6), round(b * x + d * y + f, 6))


@pytest.mark.parametrize(("rotate", "size", "top_left"), [
    (0, (600, 800), (10, 820)),
    (90, (800, 600), (10, 20)),     # turned clockwise: the page's left edge is on top
    (180, (600, 800), (610, 20)),
    (270, (800, 600), (610, 820)),
    (-90, (800, 600), (610, 820)),
    (450, (800, 600), (10, 20)),
])
def test_frame_corners(rotate: int, size: tuple[int, int], top_left: tuple[int, int]) -> None:
    frame = frame_for(MEDIA, None, rotate)
    assert (frame.width, frame.height) == size
    assert _apply(frame.matrix, 0, frame.height) == top_left
    corners = {_apply(frame.matrix, x, y) for x in (0, frame.width) for y in (0, frame.height)}
    assert corners == {(10, 20), (10, 820), (610, 20), (610, 820)}


def test_crop_box_and_user_unit() -> None:
    frame = frame_for(MEDIA, (110.0, 120.0, 510.0, 720.0), 0, user_unit=2.0)
    assert (frame.width, frame.height) == (800, 1200)  # in points, as shown
    assert _apply(frame.matrix, 0, 0) == (110, 120)
    assert _apply(frame.matrix, 800, 1200) == (510, 720)


def test_odd_values_fall_back_safely() -> None:
    assert frame_for(MEDIA, (5000.0, 5000.0, 6000.0, 6000.0), 45).width == 600
