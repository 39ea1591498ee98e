"""Settings: defaults, overridden by the TOML config file, overridden by flags.

Config file: `$GDSTUDY_CONFIG`, else `config.toml` in `$GDSTUDY_HOME` when that is set, else the
platformdirs user config dir. Data dir: `--data-dir`, else `$GDSTUDY_HOME`, else the platformdirs
user data dir.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from gdstudy.errors import ConfigError

__all__ = ["Settings", "load_settings", "config_path", "data_dir", "data_dir_path", "parse_steps", "format_steps"]

APP = "gdstudy"


@dataclass(frozen=True)
class Settings:
    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    new_per_day: int = 20
    max_reviews_per_day: int = 200
    maximum_interval: int = 36500
    enable_fuzz: bool = True
    learn_ahead_minutes: int = 20
    leech_threshold: int = 8  # lapses that make a card a leech (suspended); 0 turns it off
    day_starts_at_hour: int = 4
    decks: tuple[Path, ...] = field(default_factory=tuple)

    def validated(self) -> "Settings":
        if not 0 < self.desired_retention < 1:
            raise ConfigError(f"desired retention must be between 0 and 1 (exclusive), got {self.desired_retention}")
        for name, (low, high) in INT_RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ConfigError(f"{name.replace('_', ' ')} must be ≥ {low} and ≤ {high:,}, got {_short_int(value)}")
        return self


# Bounds for the whole-number settings: values outside them are refused at the edge (a huge
# learn-ahead overflowed a timedelta later, in the TUI).
INT_RANGES = {
    "new_per_day": (0, 100_000),
    "max_reviews_per_day": (0, 1_000_000),
    "learn_ahead_minutes": (0, 24 * 60),
    "leech_threshold": (0, 1_000),
    "maximum_interval": (1, 36_500),
    "day_starts_at_hour": (0, 23),
}
MAX_STEP = timedelta(days=365)  # a learning step longer than a year is a mistake (and far ones overflow)


def _short_int(value: int) -> str:
    text = str(value)
    return text if len(text) <= 20 else f"a {len(text)}-digit number"


def parse_steps(text: str | list[Any] | int | float, what: str = "steps") -> tuple[timedelta, ...]:
    """'1m,10m' / ['1m', '10m'] / [1, 10] / 5 (bare numbers are minutes) -> timedeltas. Units: s,
    m, h, d. Each step must be a finite number of seconds in (0, 365 days]."""
    if isinstance(text, bool) or not isinstance(text, (str, list, int, float)):
        raise ConfigError(f"bad {what}: use a list like ['1m', '10m'] or a string '1m,10m'")
    items = text.split(",") if isinstance(text, str) else text if isinstance(text, list) else [text]
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    out = []
    for raw in items:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ConfigError(f"bad {what} entry {raw!r}: use numbers with s/m/h/d, e.g. '1m,10m'")
        s = str(raw).strip()
        if not s:
            continue
        num, unit = (s[:-1], s[-1]) if s[-1] in units else (s, "m")
        try:
            seconds = float(num) * units[unit]
        except (ValueError, OverflowError):
            raise ConfigError(f"bad {what} entry '{_short(s)}': use numbers with s/m/h/d, e.g. '1m,10m'") from None
        if not math.isfinite(seconds) or seconds <= 0:
            raise ConfigError(f"bad {what} entry '{_short(s)}': steps must be positive (and finite)")
        if seconds > MAX_STEP.total_seconds():
            raise ConfigError(f"bad {what} entry '{_short(s)}': steps are at most 365d")
        out.append(timedelta(seconds=seconds))
    return tuple(out)


def _short(s: str) -> str:
    from gdstudy.text import shorten

    return shorten(s, 30)


def format_steps(steps: tuple[timedelta, ...]) -> str:
    return ",".join(f"{int(s.total_seconds() // 60)}m" for s in steps)


def config_path() -> Path:
    if os.environ.get("GDSTUDY_CONFIG"):
        return Path(os.environ["GDSTUDY_CONFIG"])
    if os.environ.get("GDSTUDY_HOME"):
        return Path(os.environ["GDSTUDY_HOME"]) / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def data_dir_path(flag: str | Path | None = None) -> Path:
    """Where the data dir is (flag, $GDSTUDY_HOME or the user data dir), without creating it. An
    empty `--data-dir ''` is refused (it would silently mean the current folder)."""
    from gdstudy.paths import user_path

    if flag is not None:
        return user_path(flag, "data dir")
    if os.environ.get("GDSTUDY_HOME"):
        return user_path(os.environ["GDSTUDY_HOME"], "GDSTUDY_HOME")
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def data_dir(flag: str | Path | None = None) -> Path:
    """Resolve and create the data dir (`data_dir_path`); a path that can't be used is a ConfigError."""
    d = data_dir_path(flag)
    try:
        if d.exists() and not d.is_dir():
            raise ConfigError(f"data dir {d} is not a folder")
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create data dir {d}: {e.strerror or e}") from None
    if not os.access(d, os.R_OK | os.W_OK | os.X_OK):
        raise ConfigError(f"data dir {d} is not readable and writable")
    return d


_KEYS = {f.name for f in fields(Settings)}


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config: {e}") from None
    import tomllib  # only when there is a config file (most launches have none: ~5 ms saved)

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{path}: arrays or tables nested too deeply (not a gdstudy config)") from None
    section = raw.get("scheduling", {})
    top = {k: v for k, v in raw.items() if k != "scheduling"}
    merged = {**top, **section} if isinstance(section, dict) else top
    out: dict[str, Any] = {}
    for key, val in merged.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown setting '{key}' (known: {', '.join(sorted(_KEYS))})")
        out[key] = _coerce(path, key, val)
    return out


def _coerce(path: Path, key: str, val: Any) -> Any:
    default = getattr(Settings(), key)
    if key in ("learning_steps", "relearning_steps"):
        try:
            return parse_steps(val, key)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from None
    if key == "decks":
        from gdstudy.paths import user_path

        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            raise ConfigError(f"{path}: 'decks' must be a list of folder paths")
        folders = [user_path(v, f"{path}: decks entry") for v in val]
        return tuple(f if f.is_absolute() else path.parent / f for f in folders)
    if isinstance(default, bool):
        if not isinstance(val, bool):
            raise ConfigError(f"{path}: '{key}' must be true or false")
        return val
    if isinstance(default, int):
        if not isinstance(val, int) or isinstance(val, bool):
            raise ConfigError(f"{path}: '{key}' must be a whole number")
        return val
    if isinstance(default, float):
        if not isinstance(val, (int, float)) or isinstance(val, bool):
            raise ConfigError(f"{path}: '{key}' must be a number")
        return float(val)
    return val


def load_settings(overrides: dict[str, Any] | None = None, path: Path | None = None) -> Settings:
    """Defaults <- config file <- overrides (flags; None values are ignored)."""
    values = _from_toml(path or config_path())
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return replace(Settings(), **values).validated()
