"""The word cut at a break, judged by the issue's own text."""

from __future__ import annotations

from digitize.text.joins import JoinEvidence

_ISSUE = ["各地各部门要压实责任、细化措施，确保落到实处。", "群众获得感、幸福感不断增强。"]


def test_a_word_the_issue_uses_elsewhere_supports_the_join() -> None:
    joins = JoinEvidence(_ISSUE)
    assert joins.support("要压实责任、细化措", "施，确保安全") == 1.0
    assert joins.support("要压实责任、细化措", "众获得感") == 0.0


def test_no_word_is_cut_after_a_full_stop_or_at_punctuation() -> None:
    joins = JoinEvidence(_ISSUE)
    assert joins.support("不断增强。", "群众获得感") == 0.0
    assert joins.support("细化措施，", "确保") == 0.0
    assert joins.support("", "确保") == 0.0


def test_grams_never_span_punctuation() -> None:
    """ "施，确" is no word: the comma between them parts the grams."""
    joins = JoinEvidence(_ISSUE)
    assert joins.support("细化措施", "确保") == 0.0
