"""The program IR and graph -> program building: printed text, specialization to fed
shapes, feeds replacing producers, control edges, provenance, errors, scale."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import graphjit as gj
from graphjit.compiler import NotSpecializable, build_program, optimize
from graphjit.compiler import compile as compile_plan
from graphjit.compiler.passes.verify import verify
from graphjit.compiler.program import Attrs, Node, Program, ProgramError, Value


def text(program: Program) -> str:
    """Program text without the provenance comments (they hold this file's lines)."""
    return "\n".join(line.split("   #")[0] for line in program.text().splitlines())


def test_build_specializes_to_the_fed_shape_and_prints():
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    y = gj.matmul(x, gj.constant(np.ones((3, 2), np.float32))) + 1.0
    program = build_program([y], [], [x], [(4, 3)])
    verify(program)
    assert text(program) == (
        "in %0:f32[4,3] <- x:0\n"
        "  %1:f32[3,2] = const [[1.,1.],[1.,1.],[1.,1.]]\n"
        "  %2:f32[4,2] = matmul %0 %1 transpose_a=False transpose_b=False\n"
        "  %3:f32[] = const 1.\n"
        "  %4:f32[4,2] = add %2 %3\n"
        "out %4 -> add:0")
    assert build_program([y], [], [x], [(7, 3)]).values[4].shape == (7, 2)


def test_provenance_names_the_user_op_and_line():
    x = gj.placeholder(gj.float32, [2], name="x")
    y = gj.negative(x, name="neg")  # the line the program must name
    node = build_program([y], [], [x], [(2,)]).nodes[0]
    assert node.origin.name == "neg" and node.origin.type == "negative"
    assert node.origin.location == f"test_program.py:{y.op.traceback[-1][1]}"
    assert node.text().endswith(f"# neg @ {node.origin.location}")
    assert "gj.negative(x" in node.origin.traceback_text()


def test_feeds_replace_their_producers_and_prune_the_rest():
    x = gj.placeholder(gj.float32, [3], name="x")
    hidden = gj.exp(x, name="hidden")
    y = hidden * 2.0
    program = build_program([y], [], [hidden], [(3,)])
    assert [n.op for n in program.nodes] == ["const", "multiply"]
    assert program.inputs[0].id == program.nodes[1].inputs[0]
    assert program.input_names == ("hidden:0",)


def test_fetching_a_fed_tensor_reads_the_input():
    x = gj.placeholder(gj.float32, [3], name="x")
    program = build_program([x], [], [x], [(3,)])
    assert program.nodes == () and program.outputs == (0,)


def test_control_dependencies_become_after_edges():
    v = gj.Variable(np.zeros(2, np.float32), name="v")
    update = v.assign_add([1.0, 1.0])
    with gj.control_dependencies([update]):
        y = gj.identity(v.read_value(), name="y")
    program = build_program([y], [], [], [])
    assign = next(n for n in program.nodes if n.op == "assign_add_variable")
    read = next(n for n in program.nodes if n.op == "read_variable")
    assert read.after == (assign.id,)
    assert f"after(^{assign.id})" in read.text()


def test_targets_are_nodes_and_no_output_nodes_print_their_id():
    v = gj.Variable(1.0, name="v")
    init = gj.global_variables_initializer()
    program = build_program([], [init], [], [])
    assert program.targets == (program.nodes[-1].id,)
    assert text(program).splitlines()[-2:] == [
        f"  ^{program.nodes[-1].id} = no_op after(^{program.nodes[-2].id})",
        f"run ^{program.nodes[-1].id} (init)"]
    assert v.dtype == gj.float32


def test_unfed_placeholder_is_the_interpreters_error():
    x = gj.placeholder(gj.float32, [None, 2], name="x")
    with pytest.raises(gj.errors.InvalidArgumentError,
                       match=r"You must feed a value for placeholder tensor 'x' with dtype "
                             r"float and shape \[\?,2\]"):
        build_program([x * 2.0], [], [], [])


def test_placeholder_with_default_unfed_is_identity_of_the_default():
    d = gj.placeholder_with_default(np.ones(3, np.float32), shape=[None], name="d")
    program = build_program([d], [], [], [])
    assert [n.op for n in program.nodes] == ["const", "identity"]
    assert program.values[program.outputs[0]].shape == (3,)
    fed = build_program([d], [], [d], [(5,)])
    assert fed.nodes == () and fed.inputs[0].shape == (5,)


def test_shapes_computed_from_fed_shapes_are_concrete():
    x = gj.placeholder(gj.float32, [None, 2, 3], name="x")
    y = gj.reshape(x, gj.stack([gj.shape(x)[0], -1]))
    program = build_program([y], [], [x], [(5, 2, 3)])
    assert program.values[program.outputs[0]].shape == (5, 6)


def test_concrete_shapes_that_cannot_fit_raise_invalid_argument_naming_the_op():
    x = gj.placeholder(gj.float32, [None, None], name="x")
    y = gj.matmul(x, gj.constant(np.ones((3, 2), np.float32)), name="mm")
    with pytest.raises(gj.errors.InvalidArgumentError, match="mm"):
        build_program([y], [], [x], [(4, 5)])


def test_a_shape_from_run_time_values_is_not_specializable_and_the_session_still_runs():
    x = gj.placeholder(gj.float32, [None], name="x")
    dims = gj.placeholder(gj.int32, [2], name="dims")
    y = gj.reshape(x, dims, name="r")
    with pytest.raises(NotSpecializable, match="'r'"):
        build_program([y], [], [x, dims], [(6,), (2,)])
    with gj.Session() as sess:
        out = sess.run(y, {x: np.arange(6, dtype=np.float32), dims: [2, 3]})
    assert out.shape == (2, 3)


def test_feed_shape_incompatible_with_the_tensor_is_a_value_error():
    x = gj.placeholder(gj.float32, [2], name="x")
    with pytest.raises(ValueError, match="x:0"):
        build_program([x + 1.0], [], [x], [(3,)])


def test_the_graph_is_not_changed():
    x = gj.placeholder(gj.float32, [None], name="x")
    y = x * 1.0 + gj.constant(0.0)
    graph = x.graph
    before = [(op.name, op.type) for op in graph.get_operations()]
    version = graph.version
    compile_plan(y, {x: np.ones(4, np.float32)})
    assert [(op.name, op.type) for op in graph.get_operations()] == before
    assert graph.version == version


def test_nodes_and_attrs_are_immutable_and_programs_pickle():
    x = gj.placeholder(gj.float32, [2], name="x")
    program = build_program([x * 3.0], [], [x], [(2,)])
    with pytest.raises(TypeError):
        program.nodes[0].attrs["value"] = 1
    with pytest.raises(AttributeError):
        program.nodes[0].op = "identity"
    again = pickle.loads(pickle.dumps(program))
    assert again.text() == program.text()
    assert Attrs({"a": 0.0}).key() != Attrs({"a": -0.0}).key()
    assert Attrs({"v": np.zeros(2, np.float32)}).key() != Attrs({"v": np.zeros(2)}).key()


def test_verifier_catches_use_before_definition_and_wrong_types():
    f32 = gj.float32
    c = Node(1, "const", (), Attrs(value=np.ones(2, np.float32), dtype=f32),
             (Value(1, f32, (2,)),))
    use = Node(2, "negative", (1,), Attrs(), (Value(2, f32, (2,)),))
    verify(Program((c, use), (), (2,), next_id=3))
    with pytest.raises(ProgramError, match="not defined before"):
        verify(Program((use, c), (), (2,), next_id=3))
    bad = Node(2, "negative", (1,), Attrs(), (Value(2, f32, (3,)),))
    with pytest.raises(ProgramError, match="infer gives"):
        verify(Program((c, bad), (), (2,), next_id=3))
    with pytest.raises(ProgramError, match="below next_id"):
        verify(Program((c, use), (), (2,), next_id=2))


def test_building_and_optimizing_a_long_chain_is_iterative():
    # 5x the recursion limit: any recursive walk fails (benchmarks/compile_scale.py
    # goes to 100,000 ops; graph building under pytest's deep stacks is the slow part)
    x = gj.placeholder(gj.float32, [4], name="x")
    y = x
    for _ in range(5_000):
        y = gj.identity(y)
    program = build_program([y], [], [x], [(4,)])
    assert len(program) == 5_000
    optimized, _ = optimize(program)
    assert len(optimized) == 0 and optimized.outputs == (0,)
