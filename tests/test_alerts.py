"""The alerting rules (deploy/prometheus/alerts.yml) are valid and do what their unit tests say
(`promtool test rules`), and cover what an operator must act on. Needs no running platform."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "deploy" / "prometheus"
RULES = RULES_DIR / "alerts.yml"
DASHBOARD = REPO / "deploy" / "compose" / "grafana" / "dashboards" / "greenroom.json"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool missing: run `make setup` (Debian's prometheus package)"
    return subprocess.run([binary, *args], cwd=RULES_DIR, capture_output=True, text=True,
                          timeout=120, check=False)


def test_rules_are_valid() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_unit_tests_pass() -> None:
    result = _promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def _alerts() -> list[dict[str, object]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_every_operator_concern_has_an_alert_with_a_severity_and_a_text() -> None:
    alerts = _alerts()
    names = {str(rule["alert"]) for rule in alerts}
    assert {"GreenroomServiceDown", "GreenroomNoConsumer", "GreenroomConsumerLagHigh",
            "GreenroomEventAgeHigh", "GreenroomDeadLetters", "GreenroomFailureRatioHigh",
            "GreenroomGradingLatencyBudgetBurn"} <= names
    for rule in alerts:
        labels = rule.get("labels")
        annotations = rule.get("annotations")
        assert isinstance(labels, dict) and labels.get("severity") in {"critical", "warning"}
        assert isinstance(annotations, dict) and {"summary", "description"} <= set(annotations)


@pytest.mark.parametrize("name", ["GreenroomServiceDown", "GreenroomNoConsumer",
                                  "GreenroomConsumerLagHigh", "GreenroomEventAgeHigh",
                                  "GreenroomDeadLetters", "GreenroomFailureRatioHigh",
                                  "GreenroomGradingLatencyBudgetBurn"])
def test_every_alert_is_unit_tested(name: str) -> None:
    tests = yaml.safe_load((RULES_DIR / "alerts.test.yml").read_text())["tests"]
    fired = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
             if case.get("exp_alerts")}
    assert name in fired


def test_dashboard_is_provisioned_and_every_panel_has_a_query() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel
        assert panel["datasource"]["uid"] == "prometheus"
    provider = yaml.safe_load((REPO / "deploy" / "compose" / "grafana" / "provisioning"
                               / "dashboards" / "greenroom.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/compose/grafana/dashboards:{path}:ro" in mounts
