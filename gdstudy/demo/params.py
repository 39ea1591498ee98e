"""Demo parameters: declared once in each demo module, validated the same way for the CLI
(`--batch-size 32`), the stream runner, standalone scripts and cards' `demo: {params: ...}`."""

from __future__ import annotations

from dataclasses import dataclass

from gdstudy.errors import DemoError
from gdstudy.suggest import close_matches

__all__ = ["Param", "Params", "resolve_params"]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Param:
    """One parameter. The type is the default's type (int, float, bool or str)."""

    name: str                      # python name, e.g. "batch_size"; CLI flag --batch-size
    default: int | float | bool | str
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None

    @property
    def type(self) -> type:
        return type(self.default)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def convert(self, value):
        """Return `value` as this parameter's type, or raise DemoError with one line."""
        v = self._coerce(value)
        if self.choices is not None and v not in self.choices:
            raise DemoError(f"{self.flag}: {value!r} is not one of {', '.join(map(str, self.choices))}")
        if self.min is not None and v < self.min:
            raise DemoError(f"{self.flag} must be >= {self.min}, got {value}")
        if self.max is not None and v > self.max:
            raise DemoError(f"{self.flag} must be <= {self.max}, got {value}")
        return v

    def _coerce(self, value):
        t = self.type
        if t is bool:
            if isinstance(value, bool):
                return value
            if str(value).strip().lower() in _TRUE | _FALSE:
                return str(value).strip().lower() in _TRUE
            raise DemoError(f"{self.flag}: expected true or false, got {value!r}")
        if isinstance(value, bool):  # bool is an int subclass: never accept it as a number
            raise DemoError(f"{self.flag}: expected {_tname(t)}, got {value!r}")
        try:
            if t is int:
                return _to_int(value)
            if t is float:
                f = float(value)
                if f != f or f in (float("inf"), float("-inf")):
                    raise ValueError
                return f
            return str(value)
        except (TypeError, ValueError):
            raise DemoError(f"{self.flag}: expected {_tname(t)}, got {value!r}") from None


def _to_int(value) -> int:
    """int from an int, an integral float, or a string such as "64", "10_000" or "1e4"."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(value)


def _tname(t: type) -> str:
    return {int: "an integer", float: "a number", str: "a string"}.get(t, t.__name__)


class Params(dict):
    """A dict of resolved parameter values that also allows `p.batch_size`."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def resolve_params(module, given: dict | None) -> Params:
    """Defaults of `module.PARAMS` overridden by `given` (keys with - or _), validated; then the
    module's optional `check(params)` for constraints between parameters."""
    declared = {p.name: p for p in module.PARAMS}
    out = Params({p.name: p.default for p in module.PARAMS})
    for key, value in (given or {}).items():
        name = str(key).lstrip("-").replace("-", "_")
        if name not in declared:
            flags = [p.flag for p in module.PARAMS]
            near = close_matches("--" + name.replace("_", "-"), flags)
            hint = f" (did you mean {', '.join(near)}?)" if near else f" (known: {', '.join(flags)})"
            raise DemoError(f"demo {module.NAME}: unknown parameter --{name.replace('_', '-')}{hint}")
        out[name] = declared[name].convert(value)
    check = getattr(module, "check", None)
    if check is not None:
        check(out)
    return out
