"""`tf.app` (`run`, `flags`) and `tf.flags`: TF1's command-line flags, without absl.

`flags.DEFINE_string/integer/float/boolean/bool/list/enum(name, default, help)` declare
flags on the global `flags.FLAGS`. As in TF1, reading a flag before anything parsed the
command line parses `sys.argv` then, leniently: arguments that name no defined flag stay
in the remaining arguments instead of failing (so a program run under a test runner, or
with flags meant for another tool, still works). `--name=value`, `--name value`,
`--flag`/`--noflag` for booleans and a single leading dash are accepted; `--` ends the
flags. A value that does not convert to the flag's type raises `IllegalFlagValueError`.
`app.run(main=None, argv=None)` parses the flags from `argv` (default `sys.argv`) and
exits with `main(remaining_argv)`, `main` defaulting to `__main__.main` as in TF.

May import: the standard library only.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from typing import Any, NoReturn


class Error(Exception):
    """Base class of the flag errors."""


class DuplicateFlagError(Error):
    """A flag name was defined twice."""


class IllegalFlagValueError(Error, ValueError):
    """A flag's value does not convert to its type (or is not one of an enum's values)."""


class UnrecognizedFlagError(Error, AttributeError):
    """A flag that was never defined was read."""


_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def _parse_bool(text) -> bool:
    if isinstance(text, bool):
        return text
    lowered = str(text).lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean")


def _parse_list(text) -> list:
    if isinstance(text, (list, tuple)):
        return list(text)
    return [item.strip() for item in str(text).split(",") if item.strip()]


class _Flag:
    def __init__(self, name: str, default, help_text: str, parse: Callable[[Any], Any],
                 is_bool: bool = False, choices: Sequence | None = None):
        self.name = name
        self.help = help_text
        self.parse = parse
        self.is_bool = is_bool
        self.choices = choices
        self.default = None if default is None else self.convert(default)
        self.value = self.default
        self.present = False

    def convert(self, text):
        try:
            value = self.parse(text)
        except (TypeError, ValueError) as e:
            raise IllegalFlagValueError(f"flag --{self.name}={text}: {e}") from None
        if self.choices is not None and value not in self.choices:
            raise IllegalFlagValueError(f"flag --{self.name}={text}: value should be one "
                                        f"of {list(self.choices)}")
        return value


class FlagValues:
    """The set of defined flags and their values (`tf.flags.FLAGS` is one)."""

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_parsed", False)

    def _define(self, flag: _Flag) -> None:
        if flag.name in self._flags:
            raise DuplicateFlagError(f"The flag {flag.name!r} is defined twice.")
        self._flags[flag.name] = flag

    def __call__(self, argv: Sequence[str], known_only: bool = True) -> list[str]:
        """Parses flags from `argv` (argv[0] is the program); returns argv[0] and the
        arguments that were not flags (or, with known_only, not known flags)."""
        argv = list(argv)
        remaining = argv[:1]
        args = iter(argv[1:])
        for arg in args:
            if arg == "--":
                remaining.extend(args)
                break
            if not arg.startswith("-") or arg == "-":
                remaining.append(arg)
                continue
            name, has_value, value = arg.lstrip("-").partition("=")
            flag = self._flags.get(name)
            if flag is None and name.startswith("no") and not has_value:
                negated = self._flags.get(name[2:])
                if negated is not None and negated.is_bool:
                    negated.value, negated.present = False, True
                    continue
            if flag is None:
                if not known_only:
                    raise UnrecognizedFlagError(f"Unknown command line flag {name!r}")
                remaining.append(arg)
                continue
            if not has_value:
                if flag.is_bool:
                    value = True
                else:
                    value = next(args, None)
                    if value is None:
                        raise IllegalFlagValueError(f"Flag --{name} needs a value")
            flag.value, flag.present = flag.convert(value), True
        object.__setattr__(self, "_parsed", True)
        return remaining

    def is_parsed(self) -> bool:
        return self._parsed

    def mark_as_parsed(self) -> None:
        object.__setattr__(self, "_parsed", True)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        flag = self._flags.get(name)
        if flag is None:
            raise UnrecognizedFlagError(name)
        if not self._parsed:  # TF1's FLAGS parse sys.argv on first use
            self(sys.argv, known_only=True)
        return flag.value

    def __setattr__(self, name: str, value) -> None:
        flag = self._flags.get(name)
        if flag is None:
            raise UnrecognizedFlagError(name)
        flag.value = value

    def __contains__(self, name: str) -> bool:
        return name in self._flags

    def __iter__(self):
        return iter(list(self._flags))

    def flag_values_dict(self) -> dict:
        return {name: getattr(self, name) for name in self._flags}

    def get_flag_value(self, name: str, default):
        return getattr(self, name) if name in self._flags else default

    def __getitem__(self, name: str) -> _Flag:
        return self._flags[name]

    def __delattr__(self, name: str) -> None:
        del self._flags[name]


FLAGS = FlagValues()


def DEFINE_string(name: str, default, help: str, flag_values: FlagValues = FLAGS,  # noqa: A002,N802
                  **_) -> None:
    flag_values._define(_Flag(name, default, help, str))


def DEFINE_integer(name: str, default, help: str, lower_bound=None,  # noqa: A002,N802
                   upper_bound=None, flag_values: FlagValues = FLAGS, **_) -> None:
    def parse(text) -> int:
        value = int(text)
        if (lower_bound is not None and value < lower_bound) or (
                upper_bound is not None and value > upper_bound):
            raise ValueError(f"{value} is outside [{lower_bound}, {upper_bound}]")
        return value

    flag_values._define(_Flag(name, default, help, parse))


def DEFINE_float(name: str, default, help: str, lower_bound=None,  # noqa: A002,N802
                 upper_bound=None, flag_values: FlagValues = FLAGS, **_) -> None:
    def parse(text) -> float:
        value = float(text)
        if (lower_bound is not None and value < lower_bound) or (
                upper_bound is not None and value > upper_bound):
            raise ValueError(f"{value} is outside [{lower_bound}, {upper_bound}]")
        return value

    flag_values._define(_Flag(name, default, help, parse))


def DEFINE_boolean(name: str, default, help: str, flag_values: FlagValues = FLAGS,  # noqa: A002,N802
                   **_) -> None:
    flag_values._define(_Flag(name, default, help, _parse_bool, is_bool=True))


DEFINE_bool = DEFINE_boolean


def DEFINE_list(name: str, default, help: str, flag_values: FlagValues = FLAGS,  # noqa: A002,N802
                **_) -> None:
    flag_values._define(_Flag(name, default, help, _parse_list))


def DEFINE_enum(name: str, default, enum_values: Sequence[str], help: str,  # noqa: A002,N802
                flag_values: FlagValues = FLAGS, **_) -> None:
    flag_values._define(_Flag(name, default, help, str, choices=tuple(enum_values)))


flags = types.SimpleNamespace(
    FLAGS=FLAGS, FlagValues=FlagValues, Error=Error, DuplicateFlagError=DuplicateFlagError,
    IllegalFlagValueError=IllegalFlagValueError,
    UnrecognizedFlagError=UnrecognizedFlagError, DEFINE_string=DEFINE_string,
    DEFINE_integer=DEFINE_integer, DEFINE_float=DEFINE_float,
    DEFINE_boolean=DEFINE_boolean, DEFINE_bool=DEFINE_bool, DEFINE_list=DEFINE_list,
    DEFINE_enum=DEFINE_enum)


def run(main: Callable | None = None, argv: Sequence[str] | None = None) -> NoReturn:
    """`tf.app.run`: parses the flags in `argv` (default `sys.argv`), then exits with
    `main(remaining_argv)`; `main` defaults to the `main` of the `__main__` module."""
    remaining = FLAGS(sys.argv if argv is None else argv, known_only=True)
    main = main or sys.modules["__main__"].main
    sys.exit(main(remaining))
