"""The transcode bench: alternatives change only the options they name, and a short run
goes through both paths and measures the output."""

from __future__ import annotations

import pytest

from bench.transcode import ALTERNATIVES, Encoding, Quality, Result, _with_options, bench, report
from transcoder.convert import VP9_OPTIONS

pytestmark = pytest.mark.timeout(90)


def test_an_alternative_replaces_only_its_own_options() -> None:
    args = ["-i", "in.mp4", "-cpu-used", "8", "-deadline", "realtime", "-crf", "32", "out"]
    changed = _with_options(args, ALTERNATIVES["good, cpu-used 4"])
    assert changed == ["-i", "in.mp4", "-cpu-used", "4", "-deadline", "good", "-crf", "32", "out"]
    assert set(ALTERNATIVES["realtime, cpu-used 8"].items()) <= set(VP9_OPTIONS.items())


def test_report_marks_an_overhead_over_target() -> None:
    quality = Quality(psnr_db=30.5, vmaf=80.25)
    result = Result(1.0, 10.0, 11.0, 1.1, 5.45, quality, [Encoding("good", 20.0, 3.5, quality)])
    text = report(result)
    assert "queue / direct             1.100  over target 1.05" in text
    assert "PSNR 30.50 dB, VMAF 80.2" in text
    assert "good                        20.0     3.5" in text


def test_a_short_run_measures_both_paths() -> None:
    result = bench(2.0, None, rounds=1, compare=False, quality=True)
    assert result.direct_s > 0
    assert result.queue_s > 0
    assert result.quality is not None
    assert result.quality.psnr_db is not None
    assert result.quality.psnr_db > 20
