"""TF1's session configuration messages: `ConfigProto`, `GPUOptions`, `GraphOptions`,
`OptimizerOptions`, `RunOptions` and `RunMetadata`.

TF1 programs build these as protobuf messages and hand them to `Session(config=...)` and
`Session.run(options=..., run_metadata=...)`. graphjit accepts them and ignores their
contents: placement, soft placement, device counts, GPU memory growth and graph
optimizer levels have no meaning for graphjit's plans, and `intra_op_parallelism_threads`
/ `inter_op_parallelism_threads` are not mapped to Numba's thread count (that count is
process-wide, while a ConfigProto belongs to one session). They behave as TF's messages
do where a program can see it: every TF field exists with TF's default, unknown fields
raise TF's errors (ValueError in the constructor, AttributeError on assignment), scalar
fields check their type, nested messages are created on first access (so
`config.gpu_options.allow_growth = True` works), and `str()` is the text format with
the set fields in TF's field order. Messages graphjit does not model field by field
(`experimental`, `rewrite_options`, `rpc_options`, `debug_options`, `step_stats`, ...)
accept any field.

May import: the standard library only.
"""

from __future__ import annotations

from typing import Any

_SCALARS = (bool, int, float, str)


class _Message:
    """A protobuf-like message: `_FIELDS` lists (name, type, default) in TF's field order,
    where type is bool/int/float/str, list (repeated), dict (map) or a message class."""

    _FIELDS: tuple[tuple[str, Any, Any], ...] = ()
    _ENUMS: dict[str, dict[int, str]] = {}  # enum fields: value -> name in the text format

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", {})
        for key, value in kwargs.items():
            if self._field(key) is None:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{key}" '
                                 "field.")
            self._set(key, value)

    @classmethod
    def _field(cls, name: str):
        for field in cls._FIELDS:
            if field[0] == name:
                return field
        return None

    def _set(self, name: str, value) -> None:
        _, kind, _ = self._field(name)
        if isinstance(kind, type) and issubclass(kind, _Message):
            if isinstance(value, dict):
                value = kind(**value)
            if not isinstance(value, kind):
                raise TypeError(f"Parameter to {name} must be a {kind.__name__} message, "
                                f"got {type(value).__name__}")
        elif kind is list:
            value = list(value)
        elif kind is dict:
            value = dict(value)
        elif kind is float:
            if isinstance(value, str) or not isinstance(value, (int, float)):
                raise TypeError(f"{value!r} has type {type(value).__name__}, but expected "
                                "one of: int, float")
            value = float(value)
        elif kind is str:
            if not isinstance(value, str):
                raise TypeError(f"{value!r} has type {type(value).__name__}, but expected "
                                "one of: bytes, unicode")
        elif not isinstance(value, int):  # bool and int fields (and enums) take integers
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an "
                            "integer")
        else:
            value = kind(value)
        self._values[name] = value

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        field = self._field(name)
        if field is None:
            raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
        if name not in self._values:
            _, kind, default = field
            if kind in _SCALARS:
                return default
            # containers and sub-messages are created on first access, as in protobuf
            self._values[name] = kind()
        return self._values[name]

    def __setattr__(self, name: str, value) -> None:
        if self._field(name) is None:
            raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
        if isinstance(self._field(name)[1], type) and issubclass(self._field(name)[1],
                                                                   _Message):
            raise AttributeError(f"Assignment not allowed to field \"{name}\" in protocol "
                                 "message object.")
        self._set(name, value)

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's name
        return self._is_set(name)

    def _is_set(self, name: str) -> bool:
        if name not in self._values:
            return False
        value = self._values[name]
        if isinstance(value, _Message):
            return bool(value.ListFields())
        if isinstance(value, (list, dict)):
            return bool(value)
        return value != self._field(name)[2]

    def ListFields(self) -> list:  # noqa: N802 - protobuf's name
        return [(name, self._values[name]) for name, _, _ in self._FIELDS
                if self._is_set(name)]

    def Clear(self) -> None:  # noqa: N802 - protobuf's name
        self._values.clear()

    def CopyFrom(self, other: _Message) -> None:  # noqa: N802 - protobuf's name
        if type(other) is not type(self):
            raise TypeError(f"Parameter to CopyFrom() must be instance of same class: "
                            f"expected {type(self).__name__} got {type(other).__name__}.")
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other: _Message) -> None:  # noqa: N802 - protobuf's name
        for name, value in other.ListFields():
            if isinstance(value, _Message):
                getattr(self, name).MergeFrom(value)
            elif isinstance(value, list):
                getattr(self, name).extend(value)
            elif isinstance(value, dict):
                getattr(self, name).update(value)
            else:
                self._values[name] = value

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self.ListFields() == other.ListFields()

    __hash__ = None

    def _text(self, indent: str) -> str:
        lines = []
        for name, value in self.ListFields():
            if isinstance(value, _Message):
                lines.append(f"{indent}{name} {{\n{value._text(indent + '  ')}{indent}}}\n")
            elif isinstance(value, dict):
                lines.extend(f"{indent}{name} {{\n{indent}  key: {_scalar_text(k)}\n"
                             f"{indent}  value: {_scalar_text(v)}\n{indent}}}\n"
                             for k, v in value.items())
            elif isinstance(value, list):
                lines.extend(f"{indent}{name}: {_scalar_text(v)}\n" for v in value)
            elif name in self._ENUMS and value in self._ENUMS[name]:
                lines.append(f"{indent}{name}: {self._ENUMS[name][value]}\n")
            else:
                lines.append(f"{indent}{name}: {_scalar_text(value)}\n")
        return "".join(lines)

    def __str__(self) -> str:
        return self._text("")

    def __repr__(self) -> str:
        return self._text("")


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


class _OpenMessage(_Message):
    """A message graphjit does not model field by field: any field may be set (and read
    back once set); nested messages must be assigned whole or as keyword arguments."""

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", dict(kwargs))

    def _field(self, name: str):
        return (name, object, None)

    def _set(self, name: str, value) -> None:
        self._values[name] = value

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._values:
            raise AttributeError(f"{type(self).__name__} has no field {name!r} set "
                                 "(graphjit accepts and ignores this message)")
        return self._values[name]

    def __setattr__(self, name: str, value) -> None:
        self._values[name] = value

    def _is_set(self, name: str) -> bool:
        return name in self._values

    def ListFields(self) -> list:  # noqa: N802 - protobuf's name
        return list(self._values.items())


class OptimizerOptions(_Message):
    """`tf.OptimizerOptions` (graph optimizer levels; ignored by graphjit)."""

    L1 = 0
    L0 = -1
    DEFAULT = 0
    OFF = -1
    ON_1 = 1
    ON_2 = 2
    _ENUMS = {"opt_level": {0: "L1", -1: "L0"},
              "global_jit_level": {0: "DEFAULT", -1: "OFF", 1: "ON_1", 2: "ON_2"}}
    _FIELDS = (("do_common_subexpression_elimination", bool, False),
               ("do_constant_folding", bool, False),
               ("opt_level", int, 0),
               ("do_function_inlining", bool, False),
               ("global_jit_level", int, 0),
               ("max_folded_constant_in_bytes", int, 0),
               ("cpu_global_jit", bool, False))


class RewriterConfig(_OpenMessage):
    """Grappler's `RewriterConfig` (accepted and ignored)."""


class GraphOptions(_Message):
    """`tf.GraphOptions` (ignored by graphjit, which always runs its own passes)."""

    _FIELDS = (("enable_recv_scheduling", bool, False),
               ("optimizer_options", OptimizerOptions, None),
               ("build_cost_model", int, 0),
               ("infer_shapes", bool, False),
               ("place_pruned_graph", bool, False),
               ("enable_bfloat16_sendrecv", bool, False),
               ("timeline_step", int, 0),
               ("build_cost_model_after", int, 0),
               ("rewrite_options", RewriterConfig, None))


class _GPUExperimental(_OpenMessage):
    """`GPUOptions.Experimental` (accepted and ignored)."""


class GPUOptions(_Message):
    """`tf.GPUOptions` (ignored: graphjit's CUDA kernels allocate through Numba)."""

    Experimental = _GPUExperimental
    _FIELDS = (("per_process_gpu_memory_fraction", float, 0.0),
               ("allocator_type", str, ""),
               ("deferred_deletion_bytes", int, 0),
               ("allow_growth", bool, False),
               ("visible_device_list", str, ""),
               ("polling_active_delay_usecs", int, 0),
               ("polling_inactive_delay_msecs", int, 0),
               ("force_gpu_compatible", bool, False),
               ("experimental", _GPUExperimental, None))


class ThreadPoolOptionProto(_OpenMessage):
    """`tf.ThreadPoolOptionProto` (accepted and ignored)."""


class RPCOptions(_OpenMessage):
    """`RPCOptions` (accepted and ignored: graphjit has no distributed runtime)."""


class _ClusterDef(_OpenMessage):
    """`ClusterDef` (accepted and ignored)."""


class _ConfigExperimental(_OpenMessage):
    """`ConfigProto.Experimental` (accepted and ignored)."""


class ConfigProto(_Message):
    """`tf.ConfigProto`: accepted by `Session(config=...)` and ignored (see the module
    docstring; thread counts included)."""

    Experimental = _ConfigExperimental
    _FIELDS = (("device_count", dict, None),
               ("intra_op_parallelism_threads", int, 0),
               ("placement_period", int, 0),
               ("device_filters", list, None),
               ("inter_op_parallelism_threads", int, 0),
               ("gpu_options", GPUOptions, None),
               ("allow_soft_placement", bool, False),
               ("log_device_placement", bool, False),
               ("use_per_session_threads", bool, False),
               ("graph_options", GraphOptions, None),
               ("operation_timeout_in_ms", int, 0),
               ("session_inter_op_thread_pool", list, None),
               ("rpc_options", RPCOptions, None),
               ("cluster_def", _ClusterDef, None),
               ("isolate_session_state", bool, False),
               ("experimental", _ConfigExperimental, None),
               ("share_cluster_devices_in_session", bool, False))


class _DebugOptions(_OpenMessage):
    """`DebugOptions` (accepted and ignored)."""


class _RunExperimental(_OpenMessage):
    """`RunOptions.Experimental` (accepted and ignored)."""


class RunOptions(_Message):
    """`tf.RunOptions`: accepted by `Session.run(options=...)` and ignored (graphjit
    records no traces and has no run timeouts)."""

    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2
    FULL_TRACE = 3
    Experimental = _RunExperimental
    _ENUMS = {"trace_level": {0: "NO_TRACE", 1: "SOFTWARE_TRACE", 2: "HARDWARE_TRACE",
                              3: "FULL_TRACE"}}
    _FIELDS = (("trace_level", int, 0),
               ("timeout_in_ms", int, 0),
               ("inter_op_thread_pool", int, 0),
               ("output_partition_graphs", bool, False),
               ("debug_options", _DebugOptions, None),
               ("report_tensor_allocations_upon_oom", bool, False),
               ("experimental", _RunExperimental, None))


class _StepStats(_OpenMessage):
    """`StepStats` (graphjit records none)."""


class _CostGraphDef(_OpenMessage):
    """`CostGraphDef` (graphjit records none)."""


class RunMetadata(_Message):
    """`tf.RunMetadata`: accepted by `Session.run(run_metadata=...)`; graphjit fills in
    nothing, so it stays empty."""

    _FIELDS = (("step_stats", _StepStats, None),
               ("cost_graph", _CostGraphDef, None),
               ("partition_graphs", list, None),
               ("function_graphs", list, None))
