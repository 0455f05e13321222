"""Reference ARLs of the tabular CUSUM for N(mu,1) scores by the integral equation (Page 1954),
solved with Gauss-Legendre quadrature. Cited by TwoSidedCusumTests (run: /usr/bin/python3 cusum_arl_reference.py).
Output (k=0.5): h=4: one-sided ARL0 335.37, two-sided ARL0 167.68, ARL(1 sigma) 8.383;
                h=5: one-sided ARL0 930.89, two-sided ARL0 465.44, ARL(1 sigma) 10.376.
Two-sided ARLs combine the sides by 1/ARL = 1/ARL+ + 1/ARL- (Lucas & Crosier 1982; the combination Montgomery's table uses)."""
import numpy as np
from scipy.stats import norm
from scipy.special import roots_legendre
def arl_one(h,k,mu,n=200):
    # Fredholm integral equation (Page): L(z)=1+L(0)F(k-z-mu... ) + int_0^h L(y) f(y+k-z-mu) dy, Gauss-Legendre
    x,w = roots_legendre(n); y = h/2*(x+1); w = w*h/2
    A = np.eye(n+1)
    pts = np.concatenate([[0.0], y])
    for i,z in enumerate(pts):
        A[i,0] -= norm.cdf(-z + k - mu)        # to zero: z + X - k <= 0
        A[i,1:] -= w*norm.pdf(y - z + k - mu)
    L = np.linalg.solve(A, np.ones(n+1))
    return L[0]
for h in (4,5):
    up=arl_one(h,0.5,0); print(h, up, 1/(2/up), arl_one(h,0.5,1.0), 1/(1/arl_one(h,0.5,1.0)+1/arl_one(h,0.5,-1.0)))
