"""Per-consumer numbering stays continuous across pauses, source switches and drops."""

from __future__ import annotations

import itertools

from sfu.sequence import SEQ_MOD, TS_MOD, SequenceRewriter


def test_continuity_across_a_source_switch() -> None:
    rewriter = SequenceRewriter(90000)
    rewriter.anchor(seq=100, ts=5000)
    first = [rewriter.rewrite(100 + i, 5000 + 3000 * i) for i in range(3)]
    assert [s for s, _ in first] == [(first[0][0] + i) % SEQ_MOD for i in range(3)]
    rewriter.reanchor()
    rewriter.anchor(seq=40000, ts=77)  # a new source with unrelated numbers
    seq, ts = rewriter.rewrite(40000, 77)
    assert seq == (first[-1][0] + 1) % SEQ_MOD
    assert 0 < (ts - first[-1][1]) % TS_MOD < 90000  # moves forward by the elapsed time


def test_wraparound_and_late_packets() -> None:
    rewriter = SequenceRewriter(48000)
    rewriter.anchor(seq=65534, ts=TS_MOD - 960)
    out = [rewriter.rewrite(s % SEQ_MOD, 0) for s in (65534, 65535, 65536)]
    assert [(b[0] - a[0]) % SEQ_MOD for a, b in itertools.pairwise(out)] == [1, 1]
    latest = rewriter.last_seq
    rewriter.rewrite(65535, 0)  # a retransmitted or late packet
    assert rewriter.last_seq == latest


def test_skipping_closes_the_gap() -> None:
    rewriter = SequenceRewriter(90000)
    rewriter.anchor(seq=10, ts=0)
    a, _ = rewriter.rewrite(10, 0)
    rewriter.skip()  # packet 11 dropped on purpose
    b, _ = rewriter.rewrite(12, 0)
    assert (b - a) % SEQ_MOD == 1
