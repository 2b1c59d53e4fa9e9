"""Describe the machine a run executes on: host, OS, CPU model, cores, memory, GPUs and their driver.

Everything is read from the operating system (``/proc`` on Linux, ``sysctl`` on macOS) or, for NVIDIA GPUs, from
``nvidia-smi`` with a short timeout; nothing here is required: a fact that cannot be read is left out. The
description is cached per process (machines do not change while a program runs).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_SECONDS = 5.0
# The facts two machines must share to count as equivalent. The host name is not one of them: CI runners get a
# fresh name per job on identical hardware.
FINGERPRINT_FACTS = ("system", "architecture", "cpu_model", "cpu_count", "memory_gb", "gpus")


def _run(command: list[str]) -> str | None:
    """A command's stdout, or None when it is missing, fails or takes longer than the timeout."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.info("could not run %s: %s", command[0], error)
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _linux_cpu_model(cpuinfo: str) -> str | None:
    for key in ("model name", "Hardware", "Processor", "cpu model"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return None


def cpu_model() -> str | None:
    """The CPU's marketing name (``Intel(R) Xeon(R) ...``, ``Apple M2``), from the OS."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        try:
            found = _linux_cpu_model(cpuinfo.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            found = None
        if found:
            return found
    if platform.system() == "Darwin":
        return _run(["sysctl", "-n", "machdep.cpu.brand_string"])
    return platform.processor() or None


def memory_gb() -> float | None:
    """Physical memory in GiB (rounded to 0.1), from the OS."""
    meminfo = Path("/proc/meminfo")
    try:
        if meminfo.is_file():
            for line in meminfo.read_text(encoding="utf-8").splitlines():
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)  # kB
        if platform.system() == "Darwin":
            text = _run(["sysctl", "-n", "hw.memsize"])
            return round(int(text) / 1024**3, 1) if text else None
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return round(pages * page_size / 1024**3, 1)
    except (OSError, ValueError, AttributeError):
        return None


def parse_nvidia_smi(text: str) -> list[dict[str, str]]:
    """``nvidia-smi --query-gpu=name,driver_version --format=csv,noheader`` -> [{"name", "driver"}]."""
    gpus = []
    for line in text.splitlines():
        name, _, driver = line.partition(",")
        if name.strip():
            gpus.append({"name": name.strip(), "driver": driver.strip()})
    return gpus


def gpus() -> list[dict[str, str]]:
    """NVIDIA GPUs with their driver version (empty without ``nvidia-smi``, or when it fails or hangs)."""
    text = _run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"])
    return parse_nvidia_smi(text) if text else []


def fingerprint(machine: dict[str, Any]) -> str:
    """16 hex digits of SHA-256 over the facts that make machines equivalent (see ``FINGERPRINT_FACTS``)."""
    facts = {key: machine.get(key) for key in FINGERPRINT_FACTS}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def describe_machine() -> dict[str, Any]:
    """The run fields for this machine: ``hostname``, ``machine_fingerprint`` and the ``machine`` document."""
    return copy.deepcopy(_describe_machine())


@functools.cache
def _describe_machine() -> dict[str, Any]:
    machine: dict[str, Any] = {
        "hostname": platform.node() or None,
        "system": platform.system() or None,
        "release": platform.release() or None,
        "architecture": platform.machine() or None,
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": memory_gb(),
        "gpus": gpus(),
        "python": platform.python_version(),
    }
    return {"hostname": machine["hostname"], "machine_fingerprint": fingerprint(machine), "machine": machine}
