"""Reference values for the BO unit tests. Run by hand with /usr/bin/python3 (Debian python3-scipy,
python3-mpmath) from this folder; not part of npm test. Deterministic: no seeds, no timestamps."""
import json
import mpmath
import numpy as np
import scipy
from scipy.stats import qmc

# Unscrambled Sobol points: our generator must reproduce SciPy's (same Joe–Kuo numbers, Gray-code order).
n, d = 128, 256
pts = qmc.Sobol(d=d, scramble=False).random(n)
dims = list(range(12)) + list(range(248, 256))
json.dump({
    'producedBy': f'scipy {scipy.__version__} scipy.stats.qmc.Sobol(d=256, scramble=False).random(128); '
                  'columns are the dimensions listed (0-based); make_fixtures.py',
    'dimension': d, 'count': n, 'dimensions': dims,
    'points': [[float(pts[i, j]) for j in dims] for i in range(n)],
}, open('sobol-scipy.json', 'w'))

# Special functions at 40 significant digits: erfcx, log h(z) = log(φ(z) + zΦ(z)) (Ament et al. 2023),
# its derivative Φ(z)/h(z), log Φ(z), and the normal quantile.
mpmath.mp.dps = 50
def h(z):
    z = mpmath.mpf(z)
    return mpmath.npdf(z) + z * mpmath.ncdf(z)
xs = [-3, -1, -0.5, 0, 0.1, 0.5, 1, 1.4, 1.5, 1.6, 2, 2.4, 2.6, 3, 5, 10, 30, 100, 1e4, 1e8]
zs = [40, 10, 5, 2, 1, 0.5, 0, -0.5, -0.999, -1, -1.001, -2, -5, -7.5, -9.99, -10, -10.01, -12, -20,
      -38, -40, -100, -1e3, -1e5, -1e8, -1e10]
ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97, 0.999, 1 - 1e-10]
def quantile(p):
    # Solve Φ(x) = p from SciPy's estimate; 2p − 1 would round to −1 for tiny p even at 50 digits.
    from scipy.special import ndtri
    return mpmath.findroot(lambda x: mpmath.ncdf(x) - mpmath.mpf(p), mpmath.mpf(float(ndtri(p))))
def f(v):
    return float(v)
json.dump({
    'producedBy': f'mpmath {mpmath.__version__} at 50 digits; make_fixtures.py',
    'erfcx': [[x, f(mpmath.erfc(x) * mpmath.exp(mpmath.mpf(x) ** 2))] for x in xs],
    'logH': [[z, f(mpmath.log(h(z))), f(mpmath.ncdf(z) / h(z))] for z in zs],
    'logNormalCdf': [[z, f(mpmath.log(mpmath.ncdf(z))), f(mpmath.npdf(z) / mpmath.ncdf(z))] for z in zs],
    'normalQuantile': [[p, f(quantile(p))] for p in ps],
}, open('special-functions-mpmath.json', 'w'))
