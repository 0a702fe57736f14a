"""The progress bar of long builds: reported by the worker pool, drawn only on a terminal."""

from __future__ import annotations

import io

from generator.__main__ import ProgressBar
from generator.build.parallel import run_spans


def _double(_shared: object, start: int, stop: int) -> list[int]:
    return [2 * i for i in range(start, stop)]


def _spans(_shared: object, start: int, stop: int) -> list[tuple[int, int]]:
    return [(start, stop)]


def test_heavy_last_work_is_started_from_the_end_and_returned_in_order() -> None:
    results = run_spans(_spans, None, 1000, 2, heavy_last=True)
    assert [start for start, _stop in results] == sorted(start for start, _stop in results)
    assert results[0][0] == 0 and results[-1][1] == 1000


def test_spans_report_progress_up_to_the_total_in_one_process_and_in_workers() -> None:
    for jobs, heavy_last in ((1, False), (2, False), (2, True)):
        seen: list[tuple[int, int]] = []
        results = run_spans(_double, None, 1000, jobs, progress=lambda done, total: seen.append((done, total)),
                            heavy_last=heavy_last)
        assert results == [2 * i for i in range(1000)]
        assert seen[-1] == (1000, 1000)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert len(seen) > 1


def test_bar_draws_a_line_and_clears_it_when_done() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar("Rendering pages", 600, 1200)
    bar("Rendering pages", 1200, 1200)
    text = stream.getvalue()
    assert "\rRendering pages   [" + "#" * 15 + " " * 15 + "] 600/1,200" in text
    assert text.endswith("\r\x1b[2K")


def test_bar_stays_silent_on_small_builds() -> None:
    stream = io.StringIO()
    ProgressBar(stream)("Reading articles", 10, 20)
    assert stream.getvalue() == ""
