"""Personal scheduling: fit FSRS-6 to your own reviews, check how well it predicts them, pick a retention.

Modules (import the one you need; none imports fsrs-rs at import time, the `gdstudy[optimize]`
extra is loaded by `engine.engine()` when a fit, a prediction or a simulation runs):
- `items`: review log -> FSRS training items (pure)
- `engine`: the fsrs-rs engine, predictions, log loss and RMSE(bins)
- `fit`: fitting with a time-series held-out check; adopt only when better
- `retention`: desired-retention sweep with the library's simulator
- `calibration`: predicted vs actual recall for the stats screen (pure, numpy)
- `learner`: a simulated learner with known parameters, for tests and the benchmark
- `apply`, `report`: the `gdstudy optimize` command against the store, and its text
"""

__all__ = ["items", "engine", "fit", "retention", "calibration", "learner", "apply", "report"]
