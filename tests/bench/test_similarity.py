"""bench/similarity.py: the report of the merge engine (issue 16): quality on the evaluation set and time."""

from bench import similarity as bench


def test_the_report_gives_recall_mrr_and_times(capsys):
    quality, times = bench.report(sizes=(155,))
    out = capsys.readouterr().out
    assert "recall@1" in out and "MRR" in out and "155 proposals ranked" in out
    assert quality["proposals"] == 155 and quality["queries"] == 84
    assert quality["recall_at_1"] >= 0.9 and quality["mrr"] >= quality["recall_at_1"]
    assert quality["hard_negative_first"] <= 0.1
    cold, warm = times[155]
    assert 0 < warm <= cold + 0.5
