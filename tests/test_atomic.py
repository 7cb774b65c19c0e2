"""Atomic writes on real files, symlinks and FIFOs: a link keeps pointing at the new content, a
FIFO is written through (never replaced by a regular file), a folder is never written over."""

import os
import stat
import threading

import pytest

from hingecheck.atomic import atomic_path, write_text


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to("shared/real.json")
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == "shared/real.json"
    assert real.read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["real.json"]  # no temporary left


def test_a_dangling_symlink_gets_its_target_written(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    write_text(link, "x")
    assert link.is_symlink() and (tmp_path / "later.json").read_text() == "x"


def _through_fifo(fifo, path, text: str) -> list[str]:
    """``write_text(path, text)`` while a thread reads ``fifo``: what the reader got."""
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_text(path, text)
    reader.join(timeout=10)
    return got


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert _through_fifo(fifo, fifo, "through the pipe\n") == ["through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_symlink_to_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.json"
    link.symlink_to(fifo)
    assert _through_fifo(fifo, link, "x") == ["x"]
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_folder_is_never_written_over(tmp_path):
    folder = tmp_path / "results.json"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        with atomic_path(folder):
            pass
    assert caught.value.filename == str(folder)
    assert list(tmp_path.iterdir()) == [folder] and not list(folder.iterdir())


def test_a_pipe_named_by_dev_fd_is_written_through():
    """/dev/fd/N (and /dev/stdout, and a shell's >(cmd)) resolve to a /proc name that is no real
    path: the write goes straight into the pipe, not to a temporary file beside that name."""
    r, w = os.pipe()
    try:
        write_text(f"/dev/fd/{w}", "through the pipe\n")
    finally:
        os.close(w)
    with os.fdopen(r) as f:
        assert f.read() == "through the pipe\n"
