"""The query-plan harness (tests/harness/plans.py) tells a read of a whole index from a
page, on plans as PostgreSQL gives them (`EXPLAIN (FORMAT JSON)`, trimmed to the keys
the harness reads). With sequential scans off, PostgreSQL reads an index from end to end
where no index can find a statement's rows (2918e90: the visit figures read every visit
through its primary key and every finding grouped through its visit index): that is as
much a read of every row as a Seq Scan. A page read in an index's order and stopped by
its Limit is not (ADR 0077)."""

from __future__ import annotations

import json
from typing import Any

from tests.harness.plans import Plan, whole_reads

GROWING = {"visit", "visit_repair_finding"}


def explained(text: str) -> Any:
    """The "Plan" of `EXPLAIN (FORMAT JSON)`'s one entry."""
    return json.loads(text)[0]["Plan"]


# The findings counted over the whole table before 2918e90: an aggregate in the index's
# order, no index condition.
COUNTED_BY_VISIT = explained("""
[{"Plan": {
  "Node Type": "Aggregate", "Strategy": "Sorted", "Group Key": ["visit_id"],
  "Plans": [{
    "Node Type": "Index Only Scan", "Parent Relationship": "Outer",
    "Scan Direction": "Forward", "Index Name": "ix_visit_repair_finding_visit_id",
    "Relation Name": "visit_repair_finding", "Alias": "visit_repair_finding"}]}}]
""")

# A period's visits found by a filter no index serves: the primary key read whole.
FILTERED = explained("""
[{"Plan": {
  "Node Type": "Index Scan", "Scan Direction": "Forward", "Index Name": "visit_pkey",
  "Relation Name": "visit", "Alias": "visit",
  "Filter": "(COALESCE(visited_at, reported_at) >= '2026-11-01 00:00:00+00'::timestamptz)"}}]
""")

# The first page of the visit list: the latest 51, read backwards off the index.
FIRST_PAGE = explained("""
[{"Plan": {
  "Node Type": "Limit",
  "Plans": [{
    "Node Type": "Index Scan", "Parent Relationship": "Outer",
    "Scan Direction": "Backward", "Index Name": "ix_visit_scheduled_for",
    "Relation Name": "visit", "Alias": "visit"}]}}]
""")

# A job's batch: row locks and a nested loop between the Limit and the index read, each
# visit's findings found by its id.
LOCKED_BATCH = explained("""
[{"Plan": {
  "Node Type": "Limit",
  "Plans": [{
    "Node Type": "LockRows", "Parent Relationship": "Outer",
    "Plans": [{
      "Node Type": "Nested Loop", "Parent Relationship": "Outer", "Join Type": "Inner",
      "Plans": [
        {"Node Type": "Index Scan", "Parent Relationship": "Outer",
         "Scan Direction": "Forward", "Index Name": "ix_visit_scheduled_for",
         "Relation Name": "visit", "Alias": "visit",
         "Filter": "((status)::text = 'scheduled'::text)"},
        {"Node Type": "Index Scan", "Parent Relationship": "Inner",
         "Scan Direction": "Forward", "Index Name": "ix_visit_repair_finding_visit_id",
         "Relation Name": "visit_repair_finding", "Alias": "visit_repair_finding",
         "Index Cond": "(visit_id = visit.id)"}]}]}]}}]
""")


def test_a_whole_index_read_under_a_filter_is_a_read_of_every_row() -> None:
    assert whole_reads(FILTERED, GROWING) == [("visit", "visit_pkey")]
    assert whole_reads(COUNTED_BY_VISIT, GROWING) == [
        ("visit_repair_finding", "ix_visit_repair_finding_visit_id")
    ]


def test_a_page_read_in_the_index_order_up_to_its_limit_is_not() -> None:
    assert whole_reads(FIRST_PAGE, GROWING) == []
    assert whole_reads(LOCKED_BATCH, GROWING) == []


def test_a_limit_stops_no_read_below_a_sort_nor_a_nested_loop_inner_side() -> None:
    """A Sort takes every row before it gives the first; a nested loop's inner side is
    read again for each outer row."""
    sorted_page = {
        "Node Type": "Limit",
        "Plans": [{"Node Type": "Sort", "Parent Relationship": "Outer", "Plans": [FILTERED]}],
    }
    assert whole_reads(sorted_page, GROWING) == [("visit", "visit_pkey")]
    inner = json.loads(json.dumps(LOCKED_BATCH))
    del inner["Plans"][0]["Plans"][0]["Plans"][1]["Index Cond"]
    assert whole_reads(inner, GROWING) == [
        ("visit_repair_finding", "ix_visit_repair_finding_visit_id")
    ]


def test_a_limit_in_a_subplan_bounds_only_its_own_read() -> None:
    """A CTE's page is bounded by its own Limit; the statement's own read is not."""
    statement = {
        "Node Type": "Nested Loop",
        "Plans": [
            {**FIRST_PAGE, "Parent Relationship": "InitPlan", "Subplan Name": "CTE page"},
            {**FILTERED, "Parent Relationship": "Outer"},
        ],
    }
    assert whole_reads(statement, GROWING) == [("visit", "visit_pkey")]


def test_an_index_condition_or_another_table_is_no_whole_read() -> None:
    by_id = {**FILTERED, "Index Cond": "(id = '00000000-0000-0000-0000-000000000007'::uuid)"}
    assert whole_reads(by_id, GROWING) == []
    assert whole_reads(FILTERED, {"visit_repair_finding"}) == []


# The same counts planned with index scans off too: a bitmap scan by each visit's id, so
# an index condition can reach the findings (the whole read was the planner's choice on
# an empty table, not the only read there is).
COUNTED_BY_CONDITION = explained("""
[{"Plan": {
  "Node Type": "Bitmap Heap Scan", "Relation Name": "visit_repair_finding",
  "Alias": "visit_repair_finding", "Recheck Cond": "(visit_id = visit.id)",
  "Plans": [{
    "Node Type": "Bitmap Index Scan", "Parent Relationship": "Outer",
    "Index Name": "ix_visit_repair_finding_visit_id", "Index Cond": "(visit_id = visit.id)"}]}}]
""")


def test_a_plan_reads_every_row_only_where_no_index_condition_reaches_the_table() -> None:
    unreachable = Plan("SELECT ...", "", COUNTED_BY_VISIT, COUNTED_BY_VISIT)
    assert unreachable.whole_reads(GROWING) == [
        "ix_visit_repair_finding_visit_id on visit_repair_finding"
    ]
    reachable = Plan("SELECT ...", "", COUNTED_BY_VISIT, COUNTED_BY_CONDITION)
    assert reachable.whole_reads(GROWING) == []
