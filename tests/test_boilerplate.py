"""TF1 boilerplate (graphjit/config.py, tf_logging.py, app.py): ConfigProto and friends
behave as TF's messages where a program can see it (compared with TensorFlow's own),
Session and Session.run accept them, tf.logging levels and output, and tf.flags parsing."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import graphjit as gj
from graphjit import app


def _tensorflow():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


def _configure(tf):
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=False,
                            intra_op_parallelism_threads=2, inter_op_parallelism_threads=1,
                            device_count={"GPU": 0, "CPU": 1})
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    config.graph_options.optimizer_options.opt_level = tf.OptimizerOptions.L1
    config.graph_options.optimizer_options.global_jit_level = tf.OptimizerOptions.ON_1
    return config


def test_config_proto_text_and_fields_match_tensorflow():
    tf = _tensorflow()
    ours, theirs = _configure(gj), _configure(tf)
    assert str(ours) == str(theirs)
    for field in ("allow_soft_placement", "intra_op_parallelism_threads",
                  "operation_timeout_in_ms", "isolate_session_state"):
        assert getattr(ours, field) == getattr(theirs, field)
    assert ours.gpu_options.allow_growth is True
    assert dict(ours.device_count) == dict(theirs.device_count)
    assert str(gj.ConfigProto()) == str(tf.ConfigProto()) == ""
    gpu = gj.GPUOptions(per_process_gpu_memory_fraction=0.25, visible_device_list="0")
    assert str(gj.ConfigProto(gpu_options=gpu)) == str(tf.ConfigProto(
        gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25,
                                  visible_device_list="0")))
    assert gj.RunOptions.FULL_TRACE == tf.RunOptions.FULL_TRACE
    assert str(gj.RunOptions(trace_level=gj.RunOptions.FULL_TRACE)) == str(
        tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))


@pytest.mark.parametrize("module", ["graphjit", "tensorflow"])
def test_config_proto_errors_are_tensorflows(module):
    tf = gj if module == "graphjit" else _tensorflow()
    with pytest.raises(ValueError, match='has no "allow_growth" field'):
        tf.ConfigProto(allow_growth=True)
    config = tf.ConfigProto()
    with pytest.raises(AttributeError, match='has no "nonsense" field'):
        config.nonsense = 1
    with pytest.raises(TypeError):
        config.intra_op_parallelism_threads = "two"
    with pytest.raises(AttributeError):
        config.gpu_options = tf.GPUOptions()


def test_messages_copy_merge_compare_and_open_submessages():
    a = _configure(gj)
    b = gj.ConfigProto()
    b.CopyFrom(a)
    assert a == b and b.HasField("gpu_options") and not b.HasField("rpc_options")
    b.gpu_options.allow_growth = False
    assert a != b
    config = gj.ConfigProto()
    config.experimental.collective_group_leader = "/job:a"  # unmodelled: accepted as is
    assert config.experimental.collective_group_leader == "/job:a"
    config.graph_options.rewrite_options.arithmetic_optimization = 2
    assert config.HasField("graph_options")


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_session_accepts_config_run_options_and_metadata(executor):
    x = gj.placeholder(gj.float32, [2])
    y = x * 3.0
    options = gj.RunOptions(trace_level=gj.RunOptions.FULL_TRACE)
    metadata = gj.RunMetadata()
    with gj.Session(config=_configure(gj), executor=executor) as sess:
        value = sess.run(y, {x: [1.0, 2.0]}, options=options, run_metadata=metadata)
    np.testing.assert_array_equal(value, np.array([3.0, 6.0], np.float32))
    assert str(metadata) == ""
    with gj.Session("", gj.get_default_graph(), gj.ConfigProto(), executor=executor) as sess:
        assert sess.run(y, feed_dict={x: [0.5, 1.0]})[1] == 3.0


def test_logging_levels_and_messages(caplog):
    tf = _tensorflow()
    for name in ("DEBUG", "INFO", "WARN", "ERROR", "FATAL"):
        assert getattr(gj.logging, name) == getattr(tf.logging, name)
    logger = logging.getLogger("graphjit")
    old = logger.level
    try:
        gj.logging.set_verbosity(gj.logging.INFO)
        assert gj.logging.get_verbosity() == logging.INFO
        with caplog.at_level(logging.INFO, logger="graphjit"):
            gj.logging.info("step %d loss %.2f", 3, 0.5)
            gj.logging.debug("not shown")
            gj.logging.warning("careful")
            gj.logging.warn("careful too")
            gj.logging.error("bad")
            gj.logging.log(gj.logging.ERROR, "logged %s", "directly")
            for i in range(5):
                gj.logging.log_every_n(gj.logging.INFO, "every %d", 2, i)
                gj.logging.log_first_n(gj.logging.INFO, "first %d", 1, i)
        messages = [r.getMessage() for r in caplog.records if r.name == "graphjit"]
        assert messages == ["step 3 loss 0.50", "careful", "careful too", "bad",
                            "logged directly", "every 0", "first 0", "every 2", "every 4"]
        gj.logging.set_verbosity(gj.logging.ERROR)
        assert gj.logging.get_verbosity() == gj.logging.ERROR
    finally:
        logger.setLevel(old)


def test_flags_define_parse_leniently_and_convert():
    flags = app.FlagValues()
    app.DEFINE_string("data_dir", "/tmp/data", "where", flag_values=flags)
    app.DEFINE_integer("batch_size", 32, "batch", lower_bound=1, flag_values=flags)
    app.DEFINE_float("learning_rate", 0.01, "lr", flag_values=flags)
    app.DEFINE_boolean("fake_data", False, "fake", flag_values=flags)
    app.DEFINE_bool("verbose", True, "talk", flag_values=flags)
    app.DEFINE_list("layers", "3,4", "sizes", flag_values=flags)
    app.DEFINE_enum("mode", "train", ["train", "eval"], "mode", flag_values=flags)
    rest = flags(["prog", "--batch_size=8", "--learning_rate", "0.5", "--fake_data",
                  "--noverbose", "-unknown=1", "input.txt", "--layers=5,6", "--", "--mode=x"])
    assert rest == ["prog", "-unknown=1", "input.txt", "--mode=x"]
    assert (flags.batch_size, flags.learning_rate, flags.fake_data, flags.verbose) == \
        (8, 0.5, True, False)
    assert flags.layers == ["5", "6"] and flags.mode == "train"
    assert flags.data_dir == "/tmp/data"
    flags.data_dir = "/elsewhere"
    assert flags.flag_values_dict()["data_dir"] == "/elsewhere"
    with pytest.raises(app.IllegalFlagValueError):
        flags(["prog", "--batch_size=zero"])
    with pytest.raises(app.IllegalFlagValueError):
        flags(["prog", "--batch_size=0"])
    with pytest.raises(app.IllegalFlagValueError):
        flags(["prog", "--mode=test"])
    with pytest.raises(app.DuplicateFlagError):
        app.DEFINE_string("data_dir", "", "again", flag_values=flags)
    with pytest.raises(AttributeError):
        flags.missing  # noqa: B018


def test_global_flags_parse_sys_argv_on_first_read(monkeypatch):
    monkeypatch.setattr(app, "FLAGS", app.FlagValues())
    monkeypatch.setattr(gj.flags, "FLAGS", app.FLAGS)
    monkeypatch.setattr("sys.argv", ["prog", "--steps=7", "--some_tool_flag"])
    app.DEFINE_integer("steps", 1, "steps", flag_values=gj.flags.FLAGS)
    assert not gj.flags.FLAGS.is_parsed()
    assert gj.flags.FLAGS.steps == 7 and gj.flags.FLAGS.is_parsed()


def test_app_run_calls_main_with_remaining_args_and_exits():
    seen = []

    def main(argv):
        seen.append(argv)
        return 3

    with pytest.raises(SystemExit) as exit_info:
        gj.app.run(main, argv=["prog", "positional", "--not_a_flag=1"])
    assert exit_info.value.code == 3
    assert seen == [["prog", "positional", "--not_a_flag=1"]]
    assert gj.app.flags is gj.flags
