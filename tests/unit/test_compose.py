"""docker-compose.yml and docker/, checked without a Docker engine.

What a deployer would notice: the services, secrets only from .env, ports only
on the host's loopback, one shared network namespace, env names the service
really reads, build files that exist, the locked recordings bucket, and the
volumes Asterisk and the app share. When a `docker compose` binary is present
(the engine is not needed), the file is also validated by compose itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from callcenter.config import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
GEN_ENV = ROOT / "docker" / "gen-env.sh"
TEMPLATES = ROOT / "asterisk_conf"

NETNS_OWNER = "netns"
SERVICES = {NETNS_OWNER, "postgres", "minio", "minio-init", "conf-init", "asterisk", "app"}
APP_IMAGE_SERVICES = ("app", "conf-init")
LOOPBACK = "127.0.0.1"
APP_PORT = "8000"
CONF_DIR = "/etc/callcenter"

# ${NAME:?message}: compose refuses to run while NAME is unset or empty.
REQUIRED_REF = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?(?P<message>[^}]+)\}$")
REQUIRED_NAMES = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}")
OPTIONAL_NAMES = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")


# -- helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping (compose allows a list of K=V too)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, for the tests' own values."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        current = env.get(name, "")
        if op == ":-":
            return current or arg
        if op == ":?" and not current:
            raise KeyError(f"{name}: {arg}")
        return current

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-?])([^}]*))?\}", one, value)


def mounts_of(service: dict[str, Any]) -> list[dict[str, Any]]:
    """Volumes as (source, target, read_only), from the short or the long syntax."""
    out = []
    for item in service.get("volumes") or []:
        if isinstance(item, str):
            parts = item.split(":")
            mode = parts[2] if len(parts) > 2 else "rw"
            out.append({"source": parts[0], "target": parts[1], "read_only": "ro" in mode})
        else:
            out.append(
                {
                    "source": item.get("source"),
                    "target": item["target"],
                    "read_only": bool(item.get("read_only")),
                }
            )
    return out


def mount_holding(service: dict[str, Any], path: str) -> dict[str, Any]:
    """The mount whose target is the deepest parent of `path` (or `path` itself)."""
    target = PurePosixPath(path)
    found = [
        m
        for m in mounts_of(service)
        if target == PurePosixPath(m["target"]) or PurePosixPath(m["target"]) in target.parents
    ]
    assert found, f"nothing is mounted over {path}"
    return max(found, key=lambda m: len(PurePosixPath(m["target"]).parts))


def dockerfile_of(service: dict[str, Any]) -> Path:
    build = service["build"]
    context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
    name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    return context / name


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        instruction, _, args = current.strip().partition(" ")
        out.append((instruction.upper(), args.strip()))
        current = ""
    return out


def arg_defaults(path: Path) -> dict[str, str]:
    defaults = {}
    for instruction, args in dockerfile_instructions(path):
        if instruction == "ARG" and "=" in args:
            name, _, value = args.partition("=")
            defaults[name] = value
    return defaults


def conf_directives(name: str) -> dict[str, str]:
    """`key => value` / `key = value` lines of an asterisk_conf template."""
    out = {}
    for raw in (TEMPLATES / name).read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        match = re.match(r"^([A-Za-z_]+)\s*=>?\s*(.+)$", line)
        if match:
            out[match.group(1)] = match.group(2).strip()
    return out


def strings_in(node: Any) -> list[str]:
    """Every string value in the parsed file (comments are not values)."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*strings_in(key), *strings_in(value))]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def variables(pattern: re.Pattern[str]) -> set[str]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    return {name for text in strings_in(data) for name in pattern.findall(text)}


def required_variables() -> set[str]:
    return variables(REQUIRED_NAMES)


def generated_env() -> dict[str, str]:
    out = subprocess.run(
        ["sh", str(GEN_ENV)], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    pairs = (line.split("=", 1) for line in out.splitlines() if line and not line.startswith("#"))
    return {k: v for k, v in pairs}


# -- services and network -----------------------------------------------------


def test_every_service_is_defined(services: dict[str, Any]) -> None:
    assert set(services) >= SERVICES, f"missing: {sorted(SERVICES - set(services))}"


def test_all_services_share_one_network_namespace(services: dict[str, Any]) -> None:
    owner = services[NETNS_OWNER]
    assert "network_mode" not in owner
    for name, service in services.items():
        assert "networks" not in service, name
        if name != NETNS_OWNER:
            assert service.get("network_mode") == f"service:{NETNS_OWNER}", name


def test_published_ports_are_bound_to_the_host_loopback(services: dict[str, Any]) -> None:
    published = []
    for name, service in services.items():
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                host_ip, container = port.get("host_ip"), str(port["target"])
            else:
                parts = str(port).split(":")
                assert len(parts) == 3, f"{name}: {port!r} names no host address"
                host_ip, container = parts[0], parts[2].split("/")[0]
            assert host_ip == LOOPBACK, f"{name}: {port!r} is not on {LOOPBACK}"
            published.append((name, container))
    # Only the namespace's owner can publish; the app's port is the only one.
    assert published == [(NETNS_OWNER, APP_PORT)]


def test_the_app_listens_on_the_published_port(services: dict[str, Any]) -> None:
    env = env_of(services["app"])
    # 0.0.0.0 inside the namespace: published traffic arrives on its eth0.
    assert env["CALLCENTER_HTTP_HOST"] == "0.0.0.0"  # noqa: S104
    assert env.get("CALLCENTER_HTTP_PORT", str(Settings.model_fields["http_port"].default)) == (
        APP_PORT
    )


def test_postgres_and_minio_bind_loopback_only(services: dict[str, Any]) -> None:
    assert "listen_addresses=127.0.0.1" in services["postgres"]["command"]
    command = services["minio"]["command"]
    assert command[command.index("--address") + 1].startswith(f"{LOOPBACK}:")
    assert command[command.index("--console-address") + 1].startswith(f"{LOOPBACK}:")


# -- secrets and environment ---------------------------------------------------


def test_secrets_are_required_references_never_literals(services: dict[str, Any]) -> None:
    checked = 0
    for name, service in services.items():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key.upper()):
                assert REQUIRED_REF.match(value), f"{name}.{key} is not a ${{VAR:?...}} reference"
                checked += 1
            password = URL_PASSWORD.search(value)
            if password:
                assert REQUIRED_REF.match(password.group("password")), f"{name}.{key}"
    assert checked >= 8


def test_callcenter_env_names_are_settings_fields(services: dict[str, Any]) -> None:
    assert Settings.model_config.get("env_prefix") == ENV_PREFIX
    names = set()
    for name in APP_IMAGE_SERVICES:
        names |= {k for k in env_of(services[name]) if k.startswith(ENV_PREFIX)}
    for instruction, args in dockerfile_instructions(dockerfile_of(services["app"])):
        if instruction == "ENV":
            names |= set(re.findall(rf"\b({ENV_PREFIX}[A-Z0-9_]+)=", args))
    assert names
    unknown = {n for n in names if n.removeprefix(ENV_PREFIX).lower() not in Settings.model_fields}
    assert not unknown, f"not fields of Settings: {sorted(unknown)}"


def test_app_env_parses_into_settings(
    services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {name: "0123456789abcdef" for name in required_variables()}
    for key in list(os.environ):
        if key.startswith(ENV_PREFIX):
            monkeypatch.delenv(key)
    for key, value in env_of(services["app"]).items():
        monkeypatch.setenv(key, interpolate(value, values))
    settings = Settings()
    assert settings.http_port == int(APP_PORT)
    # the service's own role, not the image's superuser; the superuser only sets up
    assert settings.database_url.startswith("postgresql+asyncpg://callcenter_app:")
    assert settings.database_admin_url.startswith("postgresql://callcenter:")
    assert settings.database_owner_password.get_secret_value()
    assert settings.s3_bucket == "recordings"
    for field in ("ami_secret", "ami_sim_secret", "ari_password", "jwt_secret", "s3_secret_key"):
        assert getattr(settings, field).get_secret_value(), field


def test_app_and_conf_init_get_the_same_settings(services: dict[str, Any]) -> None:
    app, conf_init = (env_of(services[name]) for name in APP_IMAGE_SERVICES)
    # render-conf writes the AMI/ARI secrets the app then logs in with.
    assert app == conf_init


# -- images and build files ------------------------------------------------------


def test_build_contexts_dockerfiles_and_their_files_exist(services: dict[str, Any]) -> None:
    built = [name for name, service in services.items() if "build" in service]
    assert set(built) == {"app", "asterisk"}
    for name in built:
        dockerfile = dockerfile_of(services[name])
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
        context = dockerfile.parent if name == "asterisk" else ROOT
        for instruction, args in dockerfile_instructions(dockerfile):
            if instruction == "COPY" and "--from" not in args:
                sources = [a for a in args.split() if not a.startswith("--")][:-1]
                for source in sources:
                    assert (context / source).exists(), f"{name}: COPY {source} is missing"
    for name, service in services.items():
        for mount in mounts_of(service):
            if mount["source"] and mount["source"].startswith("."):
                assert (ROOT / mount["source"]).exists(), f"{name}: {mount['source']}"


def test_asterisk_image_is_debian_sid_with_asterisk_22_packages(services: dict[str, Any]) -> None:
    dockerfile = dockerfile_of(services["asterisk"])
    steps = dockerfile_instructions(dockerfile)
    assert steps[0] == ("FROM", "debian:sid-slim")
    install = next(args for op, args in steps if op == "RUN" and "apt-get install" in args)
    assert "--no-install-recommends" in install
    for package in ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm"):
        assert re.search(rf"\s{re.escape(package)}(\s|;|$)", install), package
    entrypoint = (dockerfile.parent / "asterisk-entrypoint.sh").read_text()
    assert f"{CONF_DIR}/asterisk.conf" in entrypoint
    assert re.search(r"exec asterisk -f .*-C \"\$CONF\"", entrypoint)


def test_app_image_installs_the_package_and_runs_unprivileged(services: dict[str, Any]) -> None:
    steps = dockerfile_instructions(dockerfile_of(services["app"]))
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert any(op == "RUN" and "pip install /app" in args for op, args in steps)
    users = [args for op, args in steps if op == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    assert services["conf-init"]["image"] == services["app"]["image"]
    # A `user:` override would drop the supplementary group that shares files.
    assert not any("user" in services[name] for name in APP_IMAGE_SERVICES)


def test_both_images_share_the_asterisk_group_id(services: dict[str, Any]) -> None:
    app_args = services["app"]["build"]["args"]
    asterisk_args = services["asterisk"]["build"]["args"]
    assert app_args["ASTERISK_GID"] == asterisk_args["ASTERISK_GID"]
    app_defaults = arg_defaults(dockerfile_of(services["app"]))
    asterisk_defaults = arg_defaults(dockerfile_of(services["asterisk"]))
    assert app_defaults["ASTERISK_GID"] == asterisk_defaults["ASTERISK_GID"]


def test_dockerignore_keeps_secrets_and_local_junk_out() -> None:
    patterns = {line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip()} - {
        ""
    }
    for needed in (".env", ".git", ".venv", "**/__pycache__", ".mypy_cache", ".pytest_cache"):
        assert needed in patterns, needed


def test_shell_scripts_parse() -> None:
    scripts = sorted((ROOT / "docker").glob("*.sh"))
    assert scripts
    for script in scripts:
        subprocess.run(["sh", "-n", str(script)], check=True, timeout=30)


# -- storage and shared volumes ------------------------------------------------


def test_minio_init_creates_the_bucket_with_object_lock(services: dict[str, Any]) -> None:
    init = services["minio-init"]
    assert "minio/mc" in init["image"]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    text = json.dumps([init.get("entrypoint"), init.get("command")])
    for mount in mounts_of(init):
        if mount["source"].startswith("."):
            text += (ROOT / mount["source"]).read_text()
    assert re.search(r"mc mb\b[^\n]*--with-lock[^\n]*\$BUCKET", text)
    assert re.search(r"mc retention info --default\b", text), "the lock is not checked"
    app_bucket = interpolate(env_of(services["app"])["CALLCENTER_S3_BUCKET"], {})
    assert interpolate(env_of(init)["BUCKET"], {}) == app_bucket == "recordings"
    condition = services["app"]["depends_on"]["minio-init"]["condition"]
    assert condition == "service_completed_successfully"


FAKE_MC = r"""#!/bin/sh
# Stands in for MinIO's `mc`: logs each call and answers like the real one.
echo "$*" >> "$FAKE_DIR/calls"
case "$*" in
    "retention info"*)
        [ "$FAKE_LOCK" = none ] && { echo "mc: <ERROR> no object lock configuration" >&2; exit 1; }
        printf '{\n "op": "info",\n "enabled": "%s",\n "status": "success"\n}\n' "$FAKE_LOCK" ;;
    "admin policy create"*) cp "$6" "$FAKE_DIR/policy.json" ;;
    "admin policy attach"*)
        if [ -e "$FAKE_DIR/attached" ]; then
            echo "mc: <ERROR> The specified policy change is already in effect." >&2; exit 1
        fi
        touch "$FAKE_DIR/attached" ;;
esac
"""


def run_minio_init(tmp_path: Path, *, lock: str = "Enabled") -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "mc").write_text(FAKE_MC)
    (bin_dir / "mc").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_DIR": str(tmp_path),
        "FAKE_LOCK": lock,
        "MINIO_ROOT_USER": "admin0123",
        "MINIO_ROOT_PASSWORD": "root-password",
        "BUCKET": "recordings",
        "CALLCENTER_S3_ACCESS_KEY": "cc0123456789",
        "CALLCENTER_S3_SECRET_KEY": "app-secret-key",
    }
    return subprocess.run(
        ["sh", str(ROOT / "docker" / "minio-init.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_minio_init_script_makes_a_locked_bucket_and_a_scoped_user(tmp_path: Path) -> None:
    first = run_minio_init(tmp_path)
    assert first.returncode == 0, first.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "mb --ignore-existing --with-lock local/recordings" in calls
    assert "admin user add local cc0123456789 app-secret-key" in calls
    policy = json.loads((tmp_path / "policy.json").read_text())
    allowed = [s for s in policy["Statement"] if s["Effect"] == "Allow" and "s3:*" in s["Action"]]
    assert allowed[0]["Resource"] == ["arn:aws:s3:::recordings", "arn:aws:s3:::recordings/*"]
    denied = {a for s in policy["Statement"] if s["Effect"] == "Deny" for a in s["Action"]}
    assert "s3:BypassGovernanceRetention" in denied
    # Idempotent: the second run meets an attached policy and still succeeds.
    again = run_minio_init(tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("lock", ["none", "Disabled"])
def test_minio_init_script_fails_on_a_bucket_without_lock(tmp_path: Path, lock: str) -> None:
    result = run_minio_init(tmp_path, lock=lock)
    assert result.returncode != 0
    assert "object lock" in result.stderr
    assert not (tmp_path / "policy.json").exists()


@pytest.mark.parametrize(
    ("variable", "asterisk_dir", "file_name"),
    [
        ("CALLCENTER_SPOOL_DIR", "astspooldir", "monitor"),
        ("CALLCENTER_QUEUE_LOG_PATH", "astlogdir", "queue_log"),
    ],
)
def test_app_and_asterisk_share_the_volume_the_env_names(
    compose: dict[str, Any],
    services: dict[str, Any],
    variable: str,
    asterisk_dir: str,
    file_name: str,
) -> None:
    path = env_of(services["app"])[variable]
    app_mount = mount_holding(services["app"], path)
    asterisk_mount = mount_holding(services["asterisk"], path)
    assert app_mount["source"] in compose["volumes"], "a named volume"
    assert (app_mount["source"], app_mount["target"]) == (
        asterisk_mount["source"],
        asterisk_mount["target"],
    )
    assert not asterisk_mount["read_only"]
    if variable == "CALLCENTER_SPOOL_DIR":
        assert not app_mount["read_only"], "the app removes uploaded recordings"
    # ... and it is where the rendered asterisk.conf / logger.conf put them.
    if file_name == "queue_log":
        file_name = conf_directives("logger.conf").get("queue_log_name", "queue_log")
    assert path == f"{conf_directives('asterisk.conf')[asterisk_dir]}/{file_name}"


def test_conf_init_renders_the_config_asterisk_reads(services: dict[str, Any]) -> None:
    conf_init, asterisk = services["conf-init"], services["asterisk"]
    command = " ".join(conf_init["command"])
    assert f"callcenter stack render-conf --out {CONF_DIR}" in command
    written = mount_holding(conf_init, f"{CONF_DIR}/asterisk.conf")
    read = mount_holding(asterisk, f"{CONF_DIR}/asterisk.conf")
    assert written["source"] == read["source"]
    assert not written["read_only"]
    assert read["read_only"]
    assert asterisk["depends_on"]["conf-init"]["condition"] == "service_completed_successfully"
    assert conf_directives("asterisk.conf")["astetcdir"] == CONF_DIR


def test_app_migrates_then_serves(services: dict[str, Any]) -> None:
    command = services["app"]["command"]
    script = command[-1] if isinstance(command, list) else command
    assert re.search(r"callcenter migrate && (exec )?callcenter serve", script)
    for dependency in ("postgres", "asterisk"):
        assert services["app"]["depends_on"][dependency]["condition"] == "service_healthy"


# -- .env ------------------------------------------------------------------------


def test_env_example_lists_every_variable_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    assert any("openssl rand -hex 24" in line for line in lines)
    listed = {}
    for index, line in enumerate(lines):
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            listed[match.group(1)] = match.group(2)
            assert lines[index - 1].startswith("#"), f"{match.group(1)} has no comment"
    required = required_variables()
    assert required <= set(listed), f"missing: {sorted(required - set(listed))}"
    optional = variables(OPTIONAL_NAMES)
    assert optional <= set(listed), f"missing: {sorted(optional - set(listed))}"
    # No value to copy by mistake: compose refuses to start until each is set.
    assert all(listed[name] == "" for name in required)


def test_gen_env_fills_every_required_variable_with_url_safe_values() -> None:
    env = generated_env()
    assert required_variables() <= set(env)
    for name, value in env.items():
        if name == "MINIO_KMS_SECRET_KEY":  # MinIO's own format: <key name>:<32 bytes base64>
            assert re.fullmatch(r"callcenter-key:[A-Za-z0-9+/]{43}=", value), value
            continue
        assert re.fullmatch(r"[A-Za-z0-9]{16,}", value), name
    assert 3 <= len(env["MINIO_ROOT_USER"]) <= 20
    assert 3 <= len(env["CALLCENTER_S3_ACCESS_KEY"]) <= 20
    assert 8 <= len(env["CALLCENTER_S3_SECRET_KEY"]) <= 40


# -- compose itself (client only; no engine needed) -----------------------------


def compose_command() -> list[str] | None:
    """`docker compose` (plugin) or a standalone Compose v2 `docker-compose`, if any."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for command in candidates:
        try:
            result = subprocess.run(
                [*command, "version"], capture_output=True, text=True, timeout=30, check=False
            )
        except OSError:
            continue
        if result.returncode == 0 and re.search(r"v?2\.\d+", result.stdout):
            return command
    return None


def test_compose_validates_the_file(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("no Docker Compose v2 here (`docker compose version` fails: plugin absent)")
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in generated_env().items()))
    # A clean environment: stray CALLCENTER_* in the shell would override .env.
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_CONFIG")}
    base = [*command, "--env-file", str(env_file), "-f", str(COMPOSE_FILE)]

    quiet = subprocess.run(
        [*base, "config", "-q"], env=clean, capture_output=True, text=True, timeout=60
    )
    assert quiet.returncode == 0, quiet.stderr

    full = subprocess.run(
        [*base, "config", "--format", "json"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    resolved = json.loads(full.stdout)["services"]
    assert set(resolved) >= SERVICES
    assert all(value for value in resolved["app"]["environment"].values())
    assert [(p.get("host_ip"), str(p["target"])) for p in resolved[NETNS_OWNER]["ports"]] == [
        (LOOPBACK, APP_PORT)
    ]

    empty = tmp_path / "empty.env"
    empty.write_text("")
    missing = subprocess.run(
        [*command, "--env-file", str(empty), "-f", str(COMPOSE_FILE), "config", "-q"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0
    assert "set it in .env" in missing.stderr
