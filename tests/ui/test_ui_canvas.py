"""The canvas renders in a worker thread and shows the old image moved/scaled meanwhile."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPointF

from fireriskmap.render import MapRenderer, MapView
from fireriskmap.ui.canvas import MapCanvas


@pytest.fixture
def canvas(qtbot, tiny):
    widget = MapCanvas(MapRenderer(tiny))
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_worker_delivers_an_image(canvas, qtbot):
    with qtbot.waitSignal(canvas.rendered, timeout=10000) as blocker:
        canvas.render_now()
    assert blocker.args[0] >= 0
    qtbot.waitUntil(lambda: canvas._image is not None)
    image = canvas._image
    assert image.width() == round(600 * canvas.devicePixelRatioF())
    assert canvas._image_view.mpp == pytest.approx(canvas.view.mpp)


def test_stale_renders_are_dropped(canvas, qtbot):
    qtbot.waitUntil(lambda: canvas._image is not None, timeout=10000)
    first_id = canvas._job_id
    canvas.zoom_by(2.0)
    canvas.render_now()
    canvas.zoom_by(2.0)
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        canvas.render_now()
    assert canvas._job_id >= first_id + 2
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=10000)
    assert canvas._image_view.mpp == pytest.approx(canvas.view.mpp)


def test_old_image_is_transformed_to_the_new_view():
    old = MapView(1000.0, 2000.0, 2.0, 600, 400)
    # same view: the image fills the widget
    rect = MapCanvas._image_target(old, old)
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx((0, 0, 600, 400))
    # zoomed in 2× about the centre: the image doubles and shifts by half its size
    new = old.zoomed(2.0)
    rect = MapCanvas._image_target(old, new)
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx((-300, -200, 1200, 800))
    # panned by 50 px right / 20 px down: the image follows the drag
    rect = MapCanvas._image_target(old, old.panned_px(50, 20))
    assert (rect.x(), rect.y()) == pytest.approx((50, 20))


def test_paint_while_dragging(canvas, qtbot):
    qtbot.waitUntil(lambda: canvas._image is not None, timeout=10000)
    canvas.pan_by(40, 10)
    canvas.zoom_by(1.5, QPointF(100, 100))
    pixmap = canvas.grab()
    assert not pixmap.isNull()
