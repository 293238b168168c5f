"""Shared files are written whole or not at all, and what killed writers leave is swept once stale."""

from __future__ import annotations

import os
import time

import pytest

from ipwatch import files


def test_publish_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "简报.html"
    files.publish(target, "旧")
    files.publish(target, "新的内容")
    assert target.read_text("utf-8") == "新的内容"
    assert sorted(p.name for p in target.parent.iterdir()) == ["简报.html"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"  # readable by the web server that publishes it



def test_text_in_pieces_is_written_as_they_come_and_a_failing_piece_leaves_the_old_file(tmp_path):
    target = tmp_path / "退回说明.json"
    files.publish(target, "旧的")
    files.publish(target, iter(["{", '"行"', ": ", "\r\n", "一二三" * 5000, "}"]))
    assert target.read_bytes() == ('{"行": \r\n' + "一二三" * 5000 + "}").encode("utf-8")  # no newline translated

    def pieces():
        yield "半"
        raise ValueError("the encoder failed halfway")

    with pytest.raises(ValueError, match="halfway"):
        files.publish(target, pieces())
    assert target.read_bytes().endswith("一二三}".encode())  # the whole earlier file, not half a new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["退回说明.json"]

def test_sweep_removes_only_stale_temporaries(tmp_path):
    stale = tmp_path / ".a.html.x1.part"
    fresh = tmp_path / ".b.html.x2.part"
    kept = tmp_path / "c.html"
    for path in (stale, fresh, kept):
        path.write_text("x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(kept, (old, old))
    assert files.sweep(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".b.html.x2.part", "c.html"]
