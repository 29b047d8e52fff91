"""What ARC makes of a values file, offline: the AutoscalingRunnerSet that the
gha-runner-scale-set chart (0.14.2) renders from it, and the runner Pod that the
controller then makes of that object's template.

Written after the chart's templates/autoscalingrunnerset.yaml and _helpers.tpl and
the controller's resourcebuilder.go (actions/actions-runner-controller, snapshot
2ee6b3b), for the fields rigc writes. The chart's own `fail` checks on those
fields are kept, with its messages: a values file that `helm template` would
refuse raises ChartError here too.
"""
import copy
import hashlib
import json

CHART_VERSION = "0.14.2"


class ChartError(Exception):
    """`helm template` would stop with this message."""


def _is_number(value):
    # Helm's kindIs "int64" / "float64": YAML integers and floats, never booleans.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _labels(release, namespace):
    return {
        "helm.sh/chart": f"gha-rs-{CHART_VERSION}",
        "app.kubernetes.io/name": release,
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/version": CHART_VERSION,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "gha-rs",
        "actions.github.com/scale-set-name": release,
        "actions.github.com/scale-set-namespace": namespace,
    }


def _fullname(name):
    return f"{name}-gha-rs"[:63].rstrip("-")


def _runner_kubernetes(container, mode):
    """The chart's kubernetes(-novolume)-mode runner container: the template's, with
    the hooks, the pod name and the job-container rule added unless set, and the
    work volume mounted unless it is."""
    out = {k: v for k, v in container.items() if k not in ("env", "volumeMounts")}
    env = list(container.get("env") or [])
    names = {e.get("name") for e in env}
    if "ACTIONS_RUNNER_CONTAINER_HOOKS" not in names:
        path = "/home/runner/k8s/index.js" if mode == "kubernetes" else "/home/runner/k8s-novolume/index.js"
        env.append({"name": "ACTIONS_RUNNER_CONTAINER_HOOKS", "value": path})
    if "ACTIONS_RUNNER_POD_NAME" not in names:
        env.append({"name": "ACTIONS_RUNNER_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
    if "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER" not in names:
        env.append({"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "true"})
    if mode == "kubernetes-novolume" and "ACTIONS_RUNNER_IMAGE" not in names:
        env.append({"name": "ACTIONS_RUNNER_IMAGE", "value": str(container.get("image", ""))})
    out["env"] = env
    mounts = list(container.get("volumeMounts") or [])
    if mode == "kubernetes" and not any(m.get("name") == "work" for m in mounts):
        mounts.append({"name": "work", "mountPath": "/home/runner/_work"})
    out["volumeMounts"] = mounts
    return out


def _runner_dind(container):
    out = {k: v for k, v in container.items() if k not in ("env", "volumeMounts")}
    env = list(container.get("env") or [])
    names = {e.get("name") for e in env}
    if "DOCKER_HOST" not in names:
        env.append({"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"})
    if "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS" not in names:
        env.append({"name": "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "value": "120"})
    out["env"] = env
    mounts = list(container.get("volumeMounts") or [])
    if not any(m.get("name") == "work" for m in mounts):
        mounts.append({"name": "work", "mountPath": "/home/runner/_work"})
    if not any(m.get("name") == "dind-sock" for m in mounts):
        mounts.append({"name": "dind-sock", "mountPath": "/var/run"})
    out["volumeMounts"] = mounts
    return out


def _dind_sidecars(containers):
    """The chart's dind mode (Kubernetes 1.29+): its externals copy and its dind
    sidecar, from the runner container's image."""
    image = next((c.get("image") for c in containers if c.get("name") == "runner"), None)
    return [
        {"name": "init-dind-externals", "image": image, "command": ["cp"],
         "args": ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"],
         "volumeMounts": [{"name": "dind-externals", "mountPath": "/home/runner/tmpDir"}]},
        {"name": "dind", "image": "docker:dind",
         "args": ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"],
         "env": [{"name": "DOCKER_GROUP_GID", "value": "123"}],
         "securityContext": {"privileged": True}, "restartPolicy": "Always",
         "startupProbe": {"exec": {"command": ["docker", "info"]}, "initialDelaySeconds": 0,
                          "failureThreshold": 24, "periodSeconds": 5},
         "volumeMounts": [{"name": "work", "mountPath": "/home/runner/_work"},
                          {"name": "dind-sock", "mountPath": "/var/run"},
                          {"name": "dind-externals", "mountPath": "/home/runner/externals"}]},
    ]


def _template(values, mode, release):
    tmpl = values.get("template") or {}
    spec_in = tmpl.get("spec") or {}
    spec = {k: copy.deepcopy(v) for k, v in spec_in.items()
            if k not in ("containers", "volumes", "initContainers", "serviceAccountName")}
    spec.setdefault("restartPolicy", "Never")
    if mode in ("kubernetes", "kubernetes-novolume"):
        spec["serviceAccountName"] = spec_in.get("serviceAccountName") or f"{_fullname(release)}-kube-mode"
    else:
        spec["serviceAccountName"] = spec_in.get("serviceAccountName") or f"{_fullname(release)}-no-permission"
    containers = copy.deepcopy(spec_in.get("containers") or [])
    init = copy.deepcopy(spec_in.get("initContainers") or [])
    if mode == "dind":
        init = _dind_sidecars(containers) + init
        containers = [_runner_dind(c) if c.get("name") == "runner" else c
                      for c in containers if c.get("name") != "dind"]
    elif mode in ("kubernetes", "kubernetes-novolume"):
        containers = [_runner_kubernetes(c, mode) if c.get("name") == "runner" else c for c in containers]
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    volumes = copy.deepcopy(spec_in.get("volumes") or [])
    if mode == "dind":
        volumes = ([{"name": "dind-sock", "emptyDir": {}}, {"name": "dind-externals", "emptyDir": {}}]
                   + ([v for v in volumes if v.get("name") == "work"] or [{"name": "work", "emptyDir": {}}])
                   + [v for v in volumes if v.get("name") != "work"])
    elif mode == "kubernetes":
        claim = (values.get("containerMode") or {}).get("kubernetesModeWorkVolumeClaim")
        work = [v for v in volumes if v.get("name") == "work"] or [
            {"name": "work", "ephemeral": {"volumeClaimTemplate": {"spec": claim}}}]
        volumes = work + [v for v in volumes if v.get("name") != "work"]
    if volumes:
        spec["volumes"] = volumes
    elif mode == "kubernetes-novolume":
        spec["volumes"] = []
    out = {"spec": spec}
    if tmpl.get("metadata"):
        out["metadata"] = copy.deepcopy(tmpl["metadata"])
    return out


def render(values, release, namespace="arc-runners"):
    """The AutoscalingRunnerSet `helm template RELEASE -f values.yaml` makes."""
    name = values.get("runnerScaleSetName") or release
    if not name or len(str(name)) > 45:
        raise ChartError("Name must have up to 45 characters")
    url = values.get("githubConfigUrl")
    url = str(url).rstrip("/") if url is not None else ""
    if not url:
        raise ChartError(".Values.githubConfigUrl is required")
    secret = values.get("githubConfigSecret")
    if isinstance(secret, str):
        if not secret:
            raise ChartError("Values.githubConfigSecret is required for setting auth with GitHub server.")
    else:
        secret = f"{_fullname(name).replace('_', '-')}-github-secret"
    spec = {"githubConfigUrl": url, "githubConfigSecret": secret}
    if values.get("runnerGroup"):
        spec["runnerGroup"] = values["runnerGroup"]
    if values.get("runnerScaleSetName"):
        spec["runnerScaleSetName"] = values["runnerScaleSetName"]
    labels = values.get("scaleSetLabels")
    if labels and isinstance(labels, list):
        for label in labels:
            if label in (None, "", [], {}):
                raise ChartError("scaleSetLabels contains an empty string, each label must be a non-empty string of less than 256 characters")
            if len(str(label)) >= 256:
                raise ChartError("scaleSetLabels contains a label that is 256 characters or more, each label must be a non-empty string of less than 256 characters")
        spec["runnerScaleSetLabels"] = copy.deepcopy(labels)
    lo, hi = values.get("minRunners"), values.get("maxRunners")
    if _is_number(lo) and _is_number(hi) and lo > hi:
        raise ChartError("maxRunners has to be greater or equal to minRunners")
    if _is_number(hi):
        if int(hi) < 0:
            raise ChartError("maxRunners has to be greater or equal to 0")
        spec["maxRunners"] = int(hi)
    if _is_number(lo):
        if int(lo) < 0:
            raise ChartError("minRunners has to be greater or equal to 0")
        spec["minRunners"] = int(lo)
    if values.get("listenerTemplate"):
        spec["listenerTemplate"] = copy.deepcopy(values["listenerTemplate"])
    mode = (values.get("containerMode") or {}).get("type") or ""
    spec["template"] = _template(values, mode, name)
    labels_meta = _labels(name, namespace)
    labels_meta["app.kubernetes.io/component"] = "autoscaling-runner-set"
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:63]
    return {
        "apiVersion": "actions.github.com/v1alpha1",
        "kind": "AutoscalingRunnerSet",
        "metadata": {"name": str(name).replace("_", "-"), "namespace": namespace, "labels": labels_meta,
                     "annotations": {"actions.github.com/values-hash": digest}},
        "spec": spec,
    }


def runner_pod(ars, name, jit_config_value=None):
    """The Pod the controller makes for one EphemeralRunner of `ars`: the template's
    spec, and on the container named `runner` the JIT configuration (from the
    runner's Secret, or `jit_config_value` inline for a local run), the user agent
    and the deprecation exit code appended to its env (resourcebuilder.go,
    newEphemeralRunnerPod)."""
    tmpl = ars["spec"]["template"]
    spec = copy.deepcopy(tmpl["spec"])
    for c in spec["containers"]:
        if c.get("name") != "runner":
            continue
        jit = ({"name": "ACTIONS_RUNNER_INPUT_JITCONFIG", "value": jit_config_value}
               if jit_config_value is not None else
               {"name": "ACTIONS_RUNNER_INPUT_JITCONFIG",
                "valueFrom": {"secretKeyRef": {"name": name, "key": "jitToken"}}})
        c["env"] = list(c.get("env") or []) + [
            jit,
            {"name": "GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT", "value": "actions-runner-controller/0.14.2"},
            {"name": "ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE", "value": "1"},
        ]
    meta = copy.deepcopy(tmpl.get("metadata") or {})
    meta["name"] = name
    meta.setdefault("labels", {})["actions-ephemeral-runner"] = "True"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
