"""The Helm chart lints, renders, and every object it renders is valid for its kind.

Built-in kinds go through ``kubeconform -strict`` with the Kubernetes JSON schemas of PyPI's
kubernetes-validate; Strimzi and prometheus-operator resources through the validators that
npm's @kubernetes-models generate from those projects' CRD schemas (tests/deploy/tools.py).
Then what the hub itself needs: real ``hub`` commands, probes, PDBs, a migration Job that runs
before the rollout, metrics scraped, and the feed topics and partitions the code uses.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from bus.ports import FEED_PARTITIONS
from hub.cli.main import app
from schemas.feeds import all_feeds
from tests.deploy import tools

CRD_GROUPS = ("kafka.strimzi.io", "monitoring.coreos.com")


def hub_commands() -> set[str]:
    return {c.name for c in app.registered_commands if c.name}


@functools.cache
def rendered(*sets: str) -> tuple[dict[str, Any], ...]:
    args = [tools.binary("helm"), "template", "hub", str(tools.CHART)]
    for value in sets:
        args += ["--set", value]
    return tuple(d for d in yaml.safe_load_all(tools.run(args)) if d)


def of_kind(kind: str, *sets: str) -> list[dict[str, Any]]:
    return [d for d in rendered(*sets) if d["kind"] == kind]


def kubeconform(manifests: str) -> str:
    schemas = tools.k8s_schema_dir()
    version = "{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}"
    location = f"{schemas}/{version}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    args = [
        tools.binary("kubeconform"),
        "-strict",
        "-summary",
        "-kubernetes-version",
        tools.kubernetes_version(),
    ]
    args += [
        "-schema-location",
        location,
        "-skip",
        "Kafka,KafkaNodePool,KafkaTopic,KafkaUser,ServiceMonitor,PrometheusRule",
    ]
    return tools.run([*args, "-"], stdin=manifests)


def test_chart_lints_strictly() -> None:
    out = tools.run([tools.binary("helm"), "lint", "--strict", str(tools.CHART)])
    assert "1 chart(s) linted, 0 chart(s) failed" in out


@pytest.mark.parametrize("sets", [(), ("kafka.enabled=false", "kafka.bootstrap=kafka.example.svc:9092")])
def test_built_in_kinds_are_valid_kubernetes(sets: tuple[str, ...]) -> None:
    out = kubeconform(yaml.safe_dump_all(rendered(*sets)))
    assert "Invalid: 0, Errors: 0" in out, out


def test_kubeconform_rejects_an_unknown_field() -> None:
    """The strict schemas are really applied: a misspelt field is an error, not ignored."""
    deployment = dict(of_kind("Deployment")[0])
    deployment["spec"] = {**deployment["spec"], "replica": 2}
    with pytest.raises(AssertionError, match="replica"):
        kubeconform(yaml.safe_dump(deployment))


def test_strimzi_and_monitoring_resources_match_their_crds() -> None:
    custom = [d for d in rendered() if d["apiVersion"].split("/")[0] in CRD_GROUPS]
    assert {d["kind"] for d in custom} == {
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "ServiceMonitor",
        "PrometheusRule",
    }
    tools.run(
        ["node", str(tools.DEPLOY / "tools" / "validate_crds.mjs"), str(tools.crd_modules())],
        stdin=tools.as_json(custom),
    )


def test_crd_validation_rejects_a_wrong_type() -> None:
    topic = dict(of_kind("KafkaTopic")[0])
    topic["spec"] = {**topic["spec"], "partitions": "six"}
    with pytest.raises(AssertionError, match="partitions must be integer"):
        tools.run(
            ["node", str(tools.DEPLOY / "tools" / "validate_crds.mjs"), str(tools.crd_modules())],
            stdin=tools.as_json([topic]),
        )


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


def test_each_process_runs_a_real_hub_command_with_resources_and_a_pdb() -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    assert set(deployments) == {"hub-api", "hub-connect", "hub-delivery"}
    budgets = {b["metadata"]["name"]: b for b in of_kind("PodDisruptionBudget")}
    for name, d in deployments.items():
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert d["spec"]["selector"]["matchLabels"].items() <= labels.items()
        (container,) = containers(d)
        assert container["args"][0] in hub_commands()
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert budgets[name]["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert budgets[name]["spec"]["minAvailable"] < d["spec"]["replicas"]


def test_http_processes_have_probes_on_endpoints_they_serve() -> None:
    deployments = {d["metadata"]["name"]: containers(d)[0] for d in of_kind("Deployment")}
    api = deployments["hub-api"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    delivery = deployments["hub-delivery"]
    assert "--metrics-port=9464" in delivery["args"]
    assert delivery["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}


def test_migration_job_runs_before_install_and_upgrade_with_only_the_secret() -> None:
    (job,) = of_kind("Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"] and "migrate" in hub_commands()
    # The release's ConfigMap does not exist yet when a first install's hook runs.
    assert [list(source) for source in container["envFrom"]] == [["secretRef"]]


def test_every_metrics_service_has_a_service_monitor_and_a_job_label() -> None:
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    assert set(services) == {"hub-api", "hub-delivery"}
    monitors = {m["metadata"]["name"]: m for m in of_kind("ServiceMonitor")}
    assert set(monitors) == set(services)
    for name, monitor in monitors.items():
        assert (
            monitor["spec"]["selector"]["matchLabels"].items() <= services[name]["metadata"]["labels"].items()
        )
        assert services[name]["metadata"]["labels"][monitor["spec"]["jobLabel"]] in (
            "hub-api",
            "hub-delivery",
        )


def test_alert_rules_and_dashboard_ship_from_the_monitoring_files() -> None:
    (rule,) = of_kind("PrometheusRule")
    assert rule["spec"] == yaml.safe_load((tools.DEPLOY / "monitoring" / "alerts.yml").read_text())
    dashboard = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "hub-dashboard")
    assert (
        dashboard["data"]["gov-data-hub.json"]
        == (tools.DEPLOY / "monitoring/grafana/dashboards/hub.json").read_text()
    )


def test_network_policies_cover_every_process() -> None:
    selected = [
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in of_kind("NetworkPolicy")
    ]
    assert sorted(selected) == ["api", "connect", "delivery"]


def test_kafka_topics_are_the_feeds_with_the_partitions_the_code_uses() -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind("KafkaTopic")}
    assert set(topics) == {feed.name.topic for feed in all_feeds()}
    assert {spec["partitions"] for spec in topics.values()} == {FEED_PARTITIONS}


def test_without_strimzi_the_hub_uses_the_given_bootstrap() -> None:
    sets = ("kafka.enabled=false", "kafka.bootstrap=kafka.example.svc:9092")
    assert not [d for d in rendered(*sets) if d["apiVersion"].startswith("kafka.strimzi.io")]
    config = next(c for c in of_kind("ConfigMap", *sets) if c["metadata"]["name"] == "hub-config")
    assert config["data"]["HUB_KAFKA_BOOTSTRAP"] == "kafka.example.svc:9092"


def hub_config(*sets: str) -> dict[str, str]:
    config = next(c for c in of_kind("ConfigMap", *sets) if c["metadata"]["name"] == "hub-config")
    return dict(config["data"])


def kafka_listeners(*sets: str) -> dict[str, dict[str, Any]]:
    (kafka,) = of_kind("Kafka", *sets)
    return {listener["name"]: listener for listener in kafka["spec"]["kafka"]["listeners"]}


def test_by_default_the_hub_logs_in_with_scram_over_tls_as_its_kafka_user() -> None:
    config = hub_config()
    assert config["HUB_KAFKA_BOOTSTRAP"] == "hub-kafka-kafka-bootstrap:9093"
    assert (config["HUB_KAFKA_SECURITY_PROTOCOL"], config["HUB_KAFKA_SASL_MECHANISM"]) == (
        "SASL_SSL",
        "SCRAM-SHA-512",
    )
    (user,) = of_kind("KafkaUser")
    assert config["HUB_KAFKA_SASL_USERNAME"] == user["metadata"]["name"]
    assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
    assert kafka_listeners() == {
        "tls": {"name": "tls", "port": 9093, "type": "internal", "tls": True,
                "authentication": {"type": "scram-sha-512"}},
    }  # fmt: skip
    for deployment in of_kind("Deployment"):
        (container,) = containers(deployment)
        password = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
        assert password == {"HUB_KAFKA_SASL_PASSWORD": {"name": user["metadata"]["name"], "key": "password"}}
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert config["HUB_KAFKA_SSL_CA_FILE"] == f"{mounts['kafka-ca']}/ca.crt"
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["kafka-ca"]["secret"]["secretName"] == "hub-kafka-cluster-ca-cert"


def test_with_tls_authentication_the_hub_presents_the_kafka_users_certificate() -> None:
    sets = ("kafka.authentication=tls",)
    config = hub_config(*sets)
    assert config["HUB_KAFKA_SECURITY_PROTOCOL"] == "SSL" and "HUB_KAFKA_SASL_USERNAME" not in config
    (user,) = of_kind("KafkaUser", *sets)
    assert user["spec"]["authentication"] == {"type": "tls"}
    assert kafka_listeners(*sets)["tls"]["authentication"] == {"type": "tls"}
    deployment = of_kind("Deployment", *sets)[0]
    (container,) = containers(deployment)
    assert "env" not in container
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert config["HUB_KAFKA_SSL_CERT_FILE"] == f"{mounts['kafka-user']}/user.crt"
    assert config["HUB_KAFKA_SSL_KEY_FILE"] == f"{mounts['kafka-user']}/user.key"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["kafka-user"]["secret"]["secretName"] == user["metadata"]["name"]
    assert "Invalid: 0, Errors: 0" in kubeconform(yaml.safe_dump_all(rendered(*sets)))


def test_without_authentication_the_hub_uses_the_plain_listener_only_its_pods_reach() -> None:
    sets = ("kafka.authentication=none",)
    config = hub_config(*sets)
    assert (config["HUB_KAFKA_BOOTSTRAP"], config["HUB_KAFKA_SECURITY_PROTOCOL"]) == (
        "hub-kafka-kafka-bootstrap:9092", "PLAINTEXT",
    )  # fmt: skip
    assert kafka_listeners(*sets)["plain"]["networkPolicyPeers"]
    (container,) = containers(of_kind("Deployment", *sets)[0])
    assert [m["name"] for m in container["volumeMounts"]] == ["tmp"]


def test_partitions_and_replication_reach_the_topics_and_the_hub_alike() -> None:
    sets = (
        "kafka.partitions=12",
        "kafka.brokers=5",
        "kafka.replicationFactor=4",
        "kafka.minInsyncReplicas=3",
    )
    config = hub_config(*sets)
    names = ("HUB_TOPIC_PARTITIONS", "HUB_TOPIC_REPLICATION_FACTOR", "HUB_TOPIC_MIN_INSYNC_REPLICAS")
    assert [config[name] for name in names] == ["12", "4", "3"]
    for topic in of_kind("KafkaTopic", *sets):
        assert (topic["spec"]["partitions"], topic["spec"]["replicas"]) == (12, 4)
        assert topic["spec"]["config"]["min.insync.replicas"] == 3
    defaults = hub_config()
    assert (defaults["HUB_TOPIC_REPLICATION_FACTOR"], defaults["HUB_TOPIC_MIN_INSYNC_REPLICAS"]) == ("3", "2")


def test_more_copies_than_brokers_fails_the_render() -> None:
    with pytest.raises(AssertionError, match=r"kafka\.replicationFactor 4 needs 4 brokers"):
        rendered("kafka.replicationFactor=4")
