"""train.Saver checkpoints: values by name, latest_checkpoint, max_to_keep, atomicity
(a save killed part way leaves the previous checkpoint whole), and corrupt files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphjit as gj
from graphjit.graphlib import errors
from graphjit.runtime import checkpoint as ckpt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model():
    w = gj.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="dense/kernel")
    b = gj.Variable(np.zeros(3, np.float64), name="dense/bias")
    step = gj.Variable(np.int64(0), trainable=False, name="global_step")
    bump = [w.assign_add(np.ones((2, 3), np.float32)), b.assign_sub(np.full(3, 0.5)),
            step.assign_add(np.int64(1))]
    return (w, b, step), bump


def test_save_then_restore_into_a_fresh_session(tmp_path):
    (w, b, step), bump = _model()
    saver = ckpt.Saver()
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(bump)
        saved = sess.run([w, b, step])
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=7)
        assert prefix == str(tmp_path / "model.ckpt-7")
        sess.run(bump)
    assert ckpt.latest_checkpoint(str(tmp_path)) == prefix
    with gj.Session(executor="interpreted") as sess:
        saver.restore(sess, prefix)
        for got, want in zip(sess.run([w, b, step]), saved):
            np.testing.assert_array_equal(got, want)
            assert np.asarray(got).dtype == np.asarray(want).dtype
    assert dict(ckpt.list_variables(prefix)) == {"dense/kernel": [2, 3], "dense/bias": [3],
                                                 "global_step": []}


def test_restore_into_a_rebuilt_graph_by_name(tmp_path):
    _model()
    saver = ckpt.Saver()
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "m"))
    gj.reset_default_graph()
    kernel = gj.Variable(np.zeros((2, 3), np.float32), name="dense/kernel")
    saver = ckpt.Saver({"dense/kernel": kernel})
    with gj.Session(executor="interpreted") as sess:
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(kernel), np.arange(6).reshape(2, 3))


def test_max_to_keep_and_state_file(tmp_path):
    (w, _, _), bump = _model()
    saver = ckpt.Saver(max_to_keep=2)
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        prefixes = [saver.save(sess, str(tmp_path / "m"), global_step=i) for i in range(4)]
    assert saver.last_checkpoints == prefixes[-2:]
    assert not ckpt.checkpoint_exists(prefixes[0]) and ckpt.checkpoint_exists(prefixes[3])
    state = ckpt.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == prefixes[-2:]
    assert "model_checkpoint_path: \"m-3\"" in open(tmp_path / "checkpoint").read()
    assert ckpt.latest_checkpoint(str(tmp_path / "nowhere")) is None


def test_mismatches_and_missing_variables_are_clear_errors(tmp_path):
    (w, _, _), _ = _model()
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        prefix = ckpt.Saver().save(sess, str(tmp_path / "m"))
    gj.reset_default_graph()
    gj.Variable(np.zeros((2, 3), np.float64), name="dense/kernel")
    with gj.Session(executor="interpreted") as sess, \
            pytest.raises(errors.InvalidArgumentError, match="dense/kernel"):
        ckpt.Saver().restore(sess, prefix)
    gj.reset_default_graph()
    gj.Variable(np.zeros(2, np.float32), name="other")
    with gj.Session(executor="interpreted") as sess, \
            pytest.raises(errors.NotFoundError, match="other"):
        ckpt.Saver().restore(sess, prefix)
    with gj.Session(executor="interpreted") as sess, pytest.raises(errors.NotFoundError):
        ckpt.Saver().restore(sess, str(tmp_path / "absent"))


def test_corrupt_data_is_detected(tmp_path):
    _model()
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        prefix = ckpt.Saver().save(sess, str(tmp_path / "m"))
    data = next(p for p in os.listdir(tmp_path) if ".data-" in p)
    with open(tmp_path / data, "r+b") as f:
        f.seek(4)
        f.write(b"\xff")
    with pytest.raises(errors.DataLossError, match="checksum"):
        ckpt.read_checkpoint(prefix)
    with open(prefix + ".index", "wb") as f:
        f.write(b"\xff\xff\xff")
    with pytest.raises(errors.DataLossError):
        ckpt.read_checkpoint(prefix)


@pytest.mark.parametrize("die_at", ["data", "index"])
def test_a_save_killed_part_way_leaves_the_previous_checkpoint_whole(tmp_path, die_at):
    # The child saves once, then dies (SIGKILL, no cleanup) in the middle of the second
    # save to the same prefix: while writing the data file, or just before the index.
    script = textwrap.dedent(f"""
        import os, signal, sys
        import numpy as np
        sys.path.insert(0, {ROOT!r})
        import graphjit as gj
        from graphjit.runtime import checkpoint as ckpt
        v = gj.Variable(np.arange(1000, dtype=np.float32), name="v")
        saver = ckpt.Saver()
        with gj.Session(executor="interpreted") as sess:
            sess.run(v.initializer)
            saver.save(sess, {str(tmp_path / "m")!r})
            sess.run(v.assign(np.zeros(1000, np.float32)))
            if {die_at!r} == "data":
                real_fsync = os.fsync
                os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
            else:
                real = ckpt._atomic_write
                def die(path, data):
                    if path.endswith(".index"):
                        os.kill(os.getpid(), signal.SIGKILL)
                    real(path, data)
                ckpt._atomic_write = die
            saver.save(sess, {str(tmp_path / "m")!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    values = ckpt.read_checkpoint(str(tmp_path / "m"))
    np.testing.assert_array_equal(values["v"], np.arange(1000, dtype=np.float32))
    assert ckpt.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m")


def test_tensorflow_reads_the_state_file(tmp_path):
    tf = pytest.importorskip("tensorflow.compat.v1")
    _model()
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        prefix = ckpt.Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=3)
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefix
