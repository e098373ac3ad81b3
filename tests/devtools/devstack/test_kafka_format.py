"""Formatting a broker's storage with a cluster id that begins with "-" (1 id in 64)."""

from __future__ import annotations

from pathlib import Path

from devtools.devstack import kafka
from hub.settings import Settings


def test_a_cluster_id_beginning_with_a_dash_is_given_as_the_options_value(tmp_path: Path) -> None:
    """Given as ``-t -Xy…`` the tool read the id as an option and refused to format (seen in CI)."""
    libs = kafka.ensure_jars(Settings(_env_file=None))  # the pinned jars, cached outside the clone
    node = kafka.Node(1, 19999, 19998)  # nothing is started: only the storage is formatted
    config = kafka.write_config(tmp_path, node, f"1@127.0.0.1:{node.controller_port}", 1)
    kafka.format_storage(tmp_path, libs, config, "-" + "A" * 21)
    assert (tmp_path / "data" / "meta.properties").exists()
