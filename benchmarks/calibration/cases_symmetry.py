"""symmetry: every check is a bound, not a test at a level: exact zeros (zero init), a
float64/float32 asymmetry ratio <= sqrt(eps64/eps32) = 4.4e-5 (round-off scales with eps, a real
perturbation does not), the random run's sigma2/sigma1 >= sqrt(eps). So alpha is 0: no false
FAIL is expected at any seed. Seeds are fewer than 200 (K0 = 50 for the default and the issue's
two failing settings, 10 at the corners and controls, 5 at n = 2000 and the 10x controls): a run is
five trainings (~0.3 s alone, 3-4 s at the calibration machine's load of 10+ on 2 cores), and a
first K = 200 run of the default (0/200 false FAILs, 769 s) used the time there was."""

from benchmarks.calibration import Case

D = "symmetry"
F64 = {"dtype": "float64"}
SLOW = 10
K0 = 50    # the default and the two failing settings
CASES = [
    Case(D, "default", {}, alpha=0.0, seeds=K0, quick=2),
    Case(D, "default, float64", {}, alpha=0.0, opts=F64, seeds=SLOW),
    Case(D, "sigmoid, moons, H=5, n=160 (the issue's case)",
         {"activation": "sigmoid", "dataset": "moons", "hidden": 5, "n": 160}, alpha=0.0, size="corner", seeds=K0, quick=2),
    Case(D, "relu, moons (the issue's case)", {"activation": "relu", "dataset": "moons"}, alpha=0.0,
         size="corner", seeds=K0, quick=1),
    Case(D, "moons, H=5, n=160", {"dataset": "moons", "hidden": 5, "n": 160}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "relu", {"activation": "relu"}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "sigmoid", {"activation": "sigmoid"}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "n=8 (min)", {"n": 8}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "n=2000 (max)", {"n": 2000}, alpha=0.0, size="corner", seeds=5),
    Case(D, "hidden=2 (min)", {"hidden": 2}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "hidden=32 (max)", {"hidden": 32}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "steps=10 (min)", {"steps": 10}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "steps=3000 (max)", {"steps": 3000}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "lr=1e-6 (min)", {"lr": 1e-6}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "lr=5 (max)", {"lr": 5.0}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "momentum=0 (min)", {"momentum": 0.0}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "momentum=0.999 (max)", {"momentum": 0.999}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "constant=-10 (min)", {"constant": -10.0}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "constant=10 (max)", {"constant": 10.0}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "records=1 (min)", {"records": 1}, alpha=0.0, size="corner", seeds=SLOW),
    Case(D, "records=100 (max)", {"records": 100}, alpha=0.0, size="corner", seeds=SLOW),
    # controls: noise on the symmetric starts; one random draw copied to every unit
    Case(D, "--jitter 0.001", {"jitter": 1e-3}, kind="control", seeds=SLOW, quick=1),
    Case(D, "--jitter 0.001 at 10x n", {"jitter": 1e-3, "n": 2000}, kind="control", size="10x", seeds=5),
    Case(D, "--random-init shared", {"random_init": "shared"}, kind="control", seeds=SLOW, quick=1),
    Case(D, "--random-init shared at 10x n", {"random_init": "shared", "n": 2000}, kind="control", size="10x",
         seeds=5),
]
