"""Topic settings: how long events stay, and how many copies must hold a write."""

from greenroom_common.topics import topic_configs


def test_three_copies_need_two_in_sync_to_take_a_write() -> None:
    assert topic_configs(72, 3) == {"retention.ms": str(72 * 3600 * 1000),
                                    "min.insync.replicas": "2"}
    assert topic_configs(None, 5) == {"min.insync.replicas": "2"}


def test_one_copy_sets_no_rule_a_single_broker_could_not_meet() -> None:
    assert topic_configs(None, 1) == {}
    assert topic_configs(1.5, 1) == {"retention.ms": "5400000"}
